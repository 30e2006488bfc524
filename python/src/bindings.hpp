// What the files of clustersim._core share: the model every call runs, the finished ensemble
// NumPy views point into, conversions to Python, and one export_* function per area (each in
// its own file, called by module.cpp).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/run/ensemble.hpp"
#include "sim/run/goals.hpp"
#include "sim/run/model.hpp"

namespace clustersim_python {

namespace py = pybind11;

// The plan's model, built once per process.
const sim::Model& model();

// A finished ensemble. NumPy views of its metrics keep this object (and so the memory) alive.
struct Run {
  sim::EnsembleResult result;
  int threads = 0;
  std::vector<std::string> replicate_settings;  // a calibration's draws, per replicate
};

template <typename T>
py::array_t<T> array_of(const std::vector<T>& values, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::list strings(const std::vector<std::string>& values);

// Goal results as plain arrays named like the datasets of a result file's /goals group (see
// goals.cpp); a run and a result file both hand them to Python this way.
py::dict goals_to_python(const sim::GoalResults& goals);

void export_scenario(py::module_& m);  // the model's settings and metrics, Scenario, calendar
void export_run(py::module_& m);       // Run, run, compare
void export_files(py::module_& m);     // result files: write, check, read goal results
void export_goals(py::module_& m);     // the goal report
void export_analysis(py::module_& m);  // sensitivity: design, estimators, outcomes
void export_sweep(py::module_& m);     // sweeps on this machine's cores

}  // namespace clustersim_python
