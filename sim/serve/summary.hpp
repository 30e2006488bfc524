// What the web app draws from an ensemble, finished or not: the goals report (the same JSON as
// `clustersim goals --json`) of the replicates done so far, and quantile fans of the model's
// fan metric per cluster and in total, for the run, its counterfactual and their paired
// difference.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "sim/run/ensemble.hpp"

namespace sim::serve {

// The fans' quantiles, in the order of each fan's arrays.
inline constexpr double kFanQuantiles[] = {0.05, 0.25, 0.5, 0.75, 0.95};

// The model's metric of that name; std::logic_error when it has none (a model's report layout
// names its own metrics).
std::size_t metric_index(const Model& model, const std::string& name);

// `run` and `counterfactual` hold the replicates done so far (the same ones, in replicate
// order), with run.goals evaluated and compared on them.
nlohmann::json summarise(const Model& model, const EnsembleResult& run,
                         const EnsembleResult& counterfactual);

// Replicates `done` (in increasing order) of `all`, as an array of their own.
MetricsArray select_replicates(const MetricsArray& all, const std::vector<std::size_t>& done);

}  // namespace sim::serve
