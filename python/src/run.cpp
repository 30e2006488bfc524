// Running an ensemble in-process: the GIL is released while it runs, Ctrl-C stops it, and its
// metrics come back as NumPy views of the ensemble's own array.
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "python/src/bindings.hpp"
#include "sim/config/scenario.hpp"
#include "sim/io/posterior_draws.hpp"
#include "sim/run/api.hpp"
#include "sim/run/ensemble.hpp"

namespace clustersim_python {
namespace {

// Runs an ensemble on a background thread while this (the calling, GIL-holding) thread wakes
// every `poll_seconds` to run Python's signal handlers and report progress. Ctrl-C (or an
// exception from the progress callback) cancels the run, which stops at every replicate's next
// quarter; the Python exception is then raised and no result exists.
std::unique_ptr<Run> run_ensemble(const sim::Scenario& scenario, int threads,
                                  const py::object& progress, double poll_seconds,
                                  const sim::Scenario* draws_from) {
  sim::check_ensemble_fits(model(), scenario);
  // A calibrated scenario draws each replicate's settings from its posterior; a counterfactual
  // draws the run's (draws_from), paired.
  const sim::Scenario& drawing = draws_from != nullptr ? *draws_from : scenario;
  if (draws_from != nullptr && !scenario.path("calibration.file").empty() &&
      scenario.path("calibration.file") != draws_from->path("calibration.file")) {
    scenario.fail("calibration.file",
                  "the counterfactual names another calibration than the run: a paired "
                  "comparison draws both from the run's posterior, so leave it out");
  }
  sim::ReplicateOverrides draws = sim::replicate_overrides(drawing);
  const auto poll =
      std::chrono::milliseconds(std::max(10, static_cast<int>(poll_seconds * 1000.0)));
  auto report = [&](const sim::ProgressCounter& c) {
    if (!progress.is_none()) {
      progress(c.steps_done.load(), c.total_steps.load(), c.replicates_done.load(),
               c.total_replicates.load());
    }
  };
  auto background = std::make_unique<sim::BackgroundRun>(model(), scenario, threads, draws);
  // On any exception below, the BackgroundRun's destructor cancels the run and waits for it;
  // waiting must not hold the GIL.
  auto stop = [&background] {
    background->cancel();
    py::gil_scoped_release release;
    background.reset();
  };
  for (;;) {
    bool ended = false;
    {
      py::gil_scoped_release release;
      ended = background->wait_for(poll);
    }
    if (ended) break;
    if (PyErr_CheckSignals() != 0) {
      stop();
      throw py::error_already_set();
    }
    try {
      report(background->progress());
    } catch (...) {
      stop();
      throw;
    }
  }
  auto run = std::make_unique<Run>();
  run->threads = background->threads();
  for (const auto& replicate : draws) {
    std::string lines;
    for (const auto& assignment : replicate) lines += (lines.empty() ? "" : "\n") + assignment;
    run->replicate_settings.push_back(lines);
  }
  {
    py::gil_scoped_release release;
    run->result = background->get();
  }
  report(background->progress());
  return run;
}

// Metric `index` as a [replicate, time, cluster] view into the ensemble's array; `self` (the
// Run) is the NumPy array's base, so the memory lives as long as the view.
py::array_t<double> metric_view(const py::object& self, std::size_t index) {
  Run& run = self.cast<Run&>();
  auto& a = run.result.metrics;
  if (index >= a.metrics()) throw py::index_error("no such metric");
  const auto c = static_cast<py::ssize_t>(a.clusters());
  const auto t = static_cast<py::ssize_t>(a.steps());
  const auto r = static_cast<py::ssize_t>(a.replicates());
  constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
  return py::array_t<double>({r, t, c}, {t * c * d, c * d, d}, a.metric(index), self);
}

}  // namespace

void export_run(py::module_& m) {
  py::class_<Run>(m, "Run")
      .def_property_readonly("threads", [](const Run& r) { return r.threads; })
      .def_property_readonly("wall_seconds", [](const Run& r) { return r.result.wall_seconds; })
      .def_property_readonly("shape",
                             [](const Run& r) {
                               const auto& a = r.result.metrics;
                               return py::make_tuple(a.replicates(), a.steps(), a.clusters());
                             })
      .def("metric", &metric_view, py::arg("index"),
           "Metric `index` as a [replicate, time, cluster] view, no copy.")
      .def_property_readonly("goals", [](const Run& r) { return goals_to_python(r.result.goals); });

  m.def("run", &run_ensemble, py::arg("scenario"), py::arg("threads") = 0,
        py::arg("progress") = py::none(), py::arg("poll_seconds") = 0.1,
        py::arg("draws_from") = nullptr,
        "Runs the scenario's ensemble with the GIL released; progress(steps_done, total_steps, "
        "replicates_done, total_replicates) is called on this thread while it runs. A scenario "
        "with calibration.file draws each replicate's settings from that posterior; draws_from "
        "(the run a counterfactual is compared with) makes it draw that scenario's instead.");
  m.def(
      "compare",
      [](const sim::Scenario& scenario, Run& run, const sim::Scenario& counterfactual,
         const Run& counterfactual_run) {
        sim::attach_comparison(model(), scenario, run.result, counterfactual,
                               counterfactual_run.result);
      },
      py::arg("scenario"), py::arg("run"), py::arg("counterfactual"), py::arg("counterfactual_run"),
      "Measures `run` against its counterfactual run into run.goals (as `clustersim run "
      "--compare`).");
}

}  // namespace clustersim_python
