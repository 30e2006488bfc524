// Sensitivity analysis: the one implementation of the design, the estimators and the outcome
// expressions, which the Python package (clustersim.sensitivity) calls rather than
// re-implementing them.
#include <pybind11/stl.h>

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "python/src/bindings.hpp"
#include "sim/analysis/outcome.hpp"
#include "sim/analysis/sensitivity.hpp"
#include "sim/analysis/sobol.hpp"
#include "sim/core/errors.hpp"

namespace clustersim_python {
namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Sobol indices as arrays in design column order (first, first_low, ..., total_se) plus the
// scalars of the result.
py::dict sobol_to_python(const sim::SobolResult& result) {
  const auto n = static_cast<py::ssize_t>(result.factors.size());
  const auto column = [&](double sim::SobolIndex::*field) {
    py::array_t<double> out(n);
    for (py::ssize_t i = 0; i < n; ++i) {
      out.mutable_at(i) = result.factors[static_cast<std::size_t>(i)].*field;
    }
    return out;
  };
  py::dict out;
  out["first"] = column(&sim::SobolIndex::first);
  out["first_low"] = column(&sim::SobolIndex::first_low);
  out["first_high"] = column(&sim::SobolIndex::first_high);
  out["first_se"] = column(&sim::SobolIndex::first_se);
  out["total"] = column(&sim::SobolIndex::total);
  out["total_low"] = column(&sim::SobolIndex::total_low);
  out["total_high"] = column(&sim::SobolIndex::total_high);
  out["total_se"] = column(&sim::SobolIndex::total_se);
  out["variance"] = result.variance;
  out["base_samples"] = result.base_samples;
  out["bootstrap"] = result.bootstrap;
  out["confidence"] = result.confidence;
  out["seed"] = result.seed;
  return out;
}

py::array_t<double> saltelli_design(std::size_t factors, std::size_t base_samples) {
  const auto design = sim::saltelli_design(factors, base_samples);
  const auto columns = static_cast<py::ssize_t>(factors);
  return array_of(design, {static_cast<py::ssize_t>(design.size()) / columns, columns});
}

py::dict sobol_indices(const DoubleArray& y, std::size_t factors, std::size_t base_samples,
                       std::size_t bootstrap, double confidence, std::uint64_t seed) {
  if (y.ndim() != 1) throw py::value_error("y must be one-dimensional: one value per row");
  const std::span<const double> values(y.data(), static_cast<std::size_t>(y.size()));
  sim::SobolResult result;
  {
    py::gil_scoped_release release;  // y stays alive: the caller holds it
    result = sim::sobol_indices(values, factors, base_samples, bootstrap, confidence, seed);
  }
  return sobol_to_python(result);
}

py::array_t<double> outcome_of_file(const std::string& path, const std::string& expression) {
  const auto values = sim::evaluate_outcome(expression, sim::read_sweep_table(path));
  return array_of(values, {static_cast<py::ssize_t>(values.size())});
}

// An array a lookup returned, flattened in C order; None means the Dataset has no such array.
std::vector<double> doubles(const py::object& values, const std::string& name) {
  if (values.is_none()) {
    throw sim::InputError({"<dataset>", 0, 0}, "", "the dataset has no " + name);
  }
  const auto a = DoubleArray::ensure(values);
  if (!a) throw py::value_error(name + " is not an array of numbers");
  return {a.data(), a.data() + a.size()};
}

// A sweep in memory (a Dataset's arrays) as the table outcomes are computed from. The lookups
// are called only for what an expression names, so a lazily loaded Dataset reads only that;
// they run with the GIL held, as evaluate_outcome never releases it.
sim::SweepTable sweep_table(std::size_t points, std::size_t replicates, std::size_t steps,
                            std::size_t clusters, std::vector<std::string> time_labels,
                            std::vector<std::string> goal_ids,
                            std::vector<std::string> metric_names, const py::function& metric,
                            const py::function& goal_field, const py::function& metric_kind) {
  if (time_labels.size() != steps) {
    throw py::value_error(std::to_string(time_labels.size()) + " time labels for " +
                          std::to_string(steps) + " steps");
  }
  sim::SweepTable t;
  t.points = points;
  t.replicates = replicates;
  t.steps = steps;
  t.clusters = clusters;
  t.time_labels = std::move(time_labels);
  t.goal_ids = std::move(goal_ids);
  t.metric_names = std::move(metric_names);
  t.metric = [metric](const std::string& name) {
    return doubles(metric(name), "metric '" + name + "'");
  };
  t.goals = [goal_field](const std::string& field) {
    return doubles(goal_field(field), "goal_" + field);
  };
  // metric_kind(name) is (kind, units); a Dataset without kinds (an older file) goes by units.
  t.metric_kind = [metric_kind](const std::string& name) {
    const auto [kind, units] = metric_kind(name).cast<std::pair<std::string, std::string>>();
    if (kind.empty()) return sim::metric_kind_from_units(units);
    const auto parsed = sim::parse_metric_kind(kind);
    if (!parsed) throw py::value_error("metric '" + name + "' has an unknown kind '" + kind + "'");
    return *parsed;
  };
  return t;
}

py::array_t<double> outcome_of_table(const sim::SweepTable& table, const std::string& expression) {
  const auto values = sim::evaluate_outcome(expression, table);
  return array_of(values, {static_cast<py::ssize_t>(values.size())});
}

}  // namespace

void export_analysis(py::module_& m) {
  m.def("saltelli_design", &saltelli_design, py::arg("factors"), py::arg("base_samples"),
        "Saltelli's design in the unit cube as a [rows, factors] array: per base sample j the "
        "rows A_j, AB_j^1 .. AB_j^factors, B_j. ValueError for an empty or oversized design.");
  m.def("sobol_indices", &sobol_indices, py::arg("y"), py::arg("factors"), py::arg("base_samples"),
        py::arg("bootstrap") = 1000, py::arg("confidence") = 0.95, py::arg("seed") = 0,
        "First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices of the outputs y of "
        "saltelli_design's rows, with bootstrap percentile intervals: a dict of arrays (first, "
        "first_low, first_high, first_se, total, total_low, total_high, total_se) and variance, "
        "base_samples, bootstrap, confidence, seed. ValueError for outputs that do not fit.");
  m.def("evaluate_outcome", &outcome_of_file, py::arg("path"), py::arg("expression"),
        "An outcome (G3, sum(M, 2020), ...) per run of a sweep result file, as the engine "
        "computes it; ScenarioError for a bad expression or file.");

  py::class_<sim::SweepTable>(
      m, "SweepTable", "A sweep's arrays in memory, for evaluate_outcome(table, expression).")
      .def(py::init(&sweep_table), py::arg("points"), py::arg("replicates"), py::arg("steps"),
           py::arg("clusters"), py::arg("time_labels"), py::arg("goal_ids"),
           py::arg("metric_names"), py::arg("metric"), py::arg("goal_field"),
           py::arg("metric_kind"),
           "metric(name) returns a metric as a [run, replicate, time, cluster] array, "
           "metric_kind(name) its (kind, units) (kind '' for an older file: by units), "
           "goal_field(field) a goal field (met, value_at_deadline, cost_to_deadline) as a "
           "[run, goal, replicate] array, either None when there is none. ValueError for time "
           "labels that are not one per step.");
  m.def("evaluate_outcome", &outcome_of_table, py::arg("table"), py::arg("expression"),
        "The same for a SweepTable of arrays in memory (a Dataset's); ScenarioError for a bad "
        "expression, ValueError for arrays of the wrong size.");
}

}  // namespace clustersim_python
