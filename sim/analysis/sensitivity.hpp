// Sensitivity analysis of a sweep result file: its design, its outcomes (sim/outcome.hpp) and
// the Sobol indices of one outcome (sim/sobol.hpp) as a report. See results/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/analysis/outcome.hpp"
#include "sim/analysis/sobol.hpp"

namespace sim {

// How a sweep's design points were chosen, from the root attributes of its result file.
struct SweepDesign {
  std::string method;                 // grid, list, latin_hypercube or saltelli
  std::vector<std::string> settings;  // varied settings, in design column order
  std::size_t base_samples = 0;       // saltelli only; 0 otherwise
  std::size_t points = 0;             // design points (rows of the design)
};

// The design of a sweep result file. Throws InputError ({path, 0, 0}) when the file is not a
// clustersim sweep result, is damaged, or (saltelli) has a number of points that does not fit its
// base samples and settings.
SweepDesign read_sweep_design(const std::string& path);

// A sweep result file as the table outcomes are computed from. The shape is checked here; the
// metrics and goal fields are read from the file when the table's accessors are called. Throws
// InputError ({path, 0, 0}) as read_sweep_design does, or for arrays of the wrong shape.
SweepTable read_sweep_table(const std::string& path);

// Factor indices in report order: largest total index first (ties keep design order).
std::vector<std::size_t> sobol_ranking(const SobolResult& result);

// The indices as a text table ranked by total index (setting, S1 [low, high], ST [low, high]),
// with the outcome's variance and the number of base samples; or the same as JSON. `settings`
// names the result's factors in order. Throws std::invalid_argument when their counts differ.
std::string sensitivity_report(const std::vector<std::string>& settings, const SobolResult& result,
                               const std::string& outcome, bool json);

struct SensitivityOptions {
  std::string outcome;           // an outcome expression (sim/analysis/outcome.hpp)
  std::size_t bootstrap = 1000;  // resamples for the intervals
  double confidence = 0.95;      // level of the intervals, in (0, 1)
  std::uint64_t seed = 0;        // of the bootstrap resamples
};

struct SensitivityResult {
  SweepDesign design;
  SobolResult indices;
};

// The Sobol indices of `options.outcome` over the saltelli sweep in `path`. Throws InputError
// for a file that is not a saltelli sweep, a bad outcome (key --outcome), a confidence outside
// (0, 1), or an outcome that is not finite or does not vary over the points.
SensitivityResult sensitivity_of(const std::string& path, const SensitivityOptions& options);

}  // namespace sim
