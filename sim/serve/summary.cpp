#include "sim/serve/summary.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sim::serve {
std::size_t metric_index(const Model& model, const std::string& name) {
  const auto& metrics = model.metrics();
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    if (metrics[m].name == name) return m;
  }
  throw std::logic_error("the model's report layout names no metric of it: " + name);
}

namespace {

// value(r, t): one number per replicate and step; its quantile fan over replicates.
template <class Value>
nlohmann::json fan(std::size_t replicates, std::size_t steps, const Value& value) {
  nlohmann::json out = nlohmann::json::array();
  std::vector<double> column(replicates);
  for (const double p : kFanQuantiles) {
    std::vector<double> line(steps);
    for (std::size_t t = 0; t < steps; ++t) {
      column.clear();
      for (std::size_t r = 0; r < replicates; ++r) {
        const double x = value(r, t);
        if (!std::isnan(x)) column.push_back(x);
      }
      line[t] = quantile(column, p);
    }
    nlohmann::json numbers = nlohmann::json::array();
    for (const double x : line)
      numbers.push_back(std::isnan(x) ? nlohmann::json() : nlohmann::json(x));
    out.push_back(numbers);
  }
  return out;
}

nlohmann::json fans_of(const MetricsArray& metrics, std::size_t m, const MetricsArray* minus) {
  const std::size_t replicates = metrics.replicates(), steps = metrics.steps();
  const std::size_t clusters = metrics.clusters();
  auto at = [&](std::size_t r, std::size_t t, std::size_t c) {
    return metrics.at(m, r, t, c) - (minus != nullptr ? minus->at(m, r, t, c) : 0.0);
  };
  nlohmann::json per_cluster = nlohmann::json::array();
  for (std::size_t c = 0; c < clusters; ++c) {
    per_cluster.push_back(fan(replicates, steps, [&](auto r, auto t) { return at(r, t, c); }));
  }
  const nlohmann::json total = fan(replicates, steps, [&](auto r, auto t) {
    double sum = 0.0;
    for (std::size_t c = 0; c < clusters; ++c) sum += at(r, t, c);
    return sum;
  });
  return {{"total", total}, {"clusters", per_cluster}};
}

}  // namespace

MetricsArray select_replicates(const MetricsArray& all, const std::vector<std::size_t>& done) {
  MetricsArray out(all.metrics(), done.size(), all.steps(), all.clusters());
  const std::size_t block = all.steps() * all.clusters();
  for (std::size_t m = 0; m < all.metrics(); ++m) {
    for (std::size_t k = 0; k < done.size(); ++k) {
      const double* from = all.metric(m) + done[k] * block;
      std::copy(from, from + block, out.metric(m) + k * block);
    }
  }
  return out;
}

nlohmann::json summarise(const Model& model, const EnsembleResult& run,
                         const EnsembleResult& counterfactual) {
  const std::size_t m = metric_index(model, model.report_layout().fan_metric);
  nlohmann::json out;
  out["replicates_done"] = run.metrics.replicates();
  out["goals"] = nlohmann::json::parse(goals_report_json(run.goals));
  out["run"] = fans_of(run.metrics, m, nullptr);
  // The page draws the counterfactual in total only.
  out["counterfactual"] = {{"total", fans_of(counterfactual.metrics, m, nullptr)["total"]}};
  out["difference"] = fans_of(run.metrics, m, &counterfactual.metrics);
  return out;
}

}  // namespace sim::serve
