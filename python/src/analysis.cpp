// Sensitivity analysis: the one implementation of the design, the estimators and the outcome
// expressions, which the Python package (clustersim.sensitivity) calls rather than
// re-implementing them.
#include <pybind11/stl.h>

#include <cstdint>
#include <span>
#include <string>

#include "python/src/bindings.hpp"
#include "sim/analysis/outcome.hpp"
#include "sim/analysis/sensitivity.hpp"
#include "sim/analysis/sobol.hpp"

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
}

}  // namespace clustersim_python
