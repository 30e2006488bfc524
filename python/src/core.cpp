// clustersim._core: the engine and the plan's model for Python. Scenarios are loaded and
// validated by the engine (errors become clustersim.ScenarioError), ensembles run in-process
// with the GIL released, and metrics come back as NumPy views of the ensemble's C++ array.
// The pure-Python package (python/clustersim) builds xarray Datasets from what this returns.
#include <hdf5.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/world.hpp"
#include "sim/run/api.hpp"
#include "sim/core/calendar.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/seal.hpp"
#include "sim/run/goals.hpp"
#include "sim/io/result_file.hpp"
#include "sim/config/scenario.hpp"
#include "sim/analysis/sensitivity.hpp"
#include "sim/analysis/sobol.hpp"

namespace py = pybind11;

namespace {

const sim::Model& model() {
  static const models::ClusterModel instance;
  return instance;
}

// A finished ensemble. NumPy views of its metrics keep this object (and so the memory) alive.
struct Run {
  sim::EnsembleResult result;
  int threads = 0;
};

sim::LoadOptions options_of(const std::vector<std::string>& overrides) {
  return sim::LoadOptions{overrides};
}

template <typename T>
py::array_t<T> array_of(const std::vector<T>& values, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::list strings(const std::vector<std::string>& values) {
  py::list out;
  for (const auto& v : values) out.append(v);
  return out;
}

// Goal results as plain arrays named like the datasets of a result file's /goals group, plus
// "counterfactual" and "comparison" (name, units, description, per_replicate) when the run was
// compared with a counterfactual.
py::dict goals_to_python(const sim::GoalResults& goals) {
  const auto [ids, descriptions, units, targets, deadlines] = sim::goal_columns(goals.goals);
  const auto n = static_cast<py::ssize_t>(goals.goals.size());
  const auto r = static_cast<py::ssize_t>(goals.replicates);
  py::dict out;
  out["id"] = strings(ids);
  out["description"] = strings(descriptions);
  out["unit"] = strings(units);
  out["target"] = array_of(targets, {n});
  out["deadline"] = array_of(deadlines, {n});
  out["value_at_deadline"] = array_of(goals.value_at_deadline, {n, r});
  out["met"] = array_of(goals.met, {n, r});
  out["first_met"] = array_of(goals.first_met, {n, r});
  if (!goals.cost_to_deadline.empty()) {
    out["cost_to_deadline"] = array_of(goals.cost_to_deadline, {n, r});
  }
  if (!goals.counterfactual.empty()) {
    out["counterfactual"] = goals.counterfactual;
    py::list measures;
    for (const auto& m : goals.comparison) {
      measures.append(py::dict(py::arg("name") = m.name, py::arg("units") = m.unit,
                               py::arg("description") = m.description,
                               py::arg("per_replicate") = array_of(m.per_replicate, {r})));
    }
    out["comparison"] = measures;
  }
  return out;
}

template <typename T>
std::vector<T> flat(const py::handle& values, std::size_t size, const char* name) {
  const auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!a || static_cast<std::size_t>(a.size()) != size) {
    throw py::value_error(std::string("goal results: '") + name + "' has the wrong size");
  }
  return std::vector<T>(a.data(), a.data() + a.size());
}

// The inverse: a goals mapping (from a run or a file) as the engine's GoalResults.
sim::GoalResults goals_from_python(const py::dict& d) {
  sim::GoalResults out;
  const auto ids = d["id"].cast<std::vector<std::string>>();
  const auto descriptions = d["description"].cast<std::vector<std::string>>();
  const auto units = d["unit"].cast<std::vector<std::string>>();
  const std::size_t n = ids.size();
  const auto targets = flat<double>(d["target"], n, "target");
  const auto deadlines = flat<double>(d["deadline"], n, "deadline");
  if (descriptions.size() != n || units.size() != n) {
    throw py::value_error("goal definitions disagree in length");
  }
  for (std::size_t g = 0; g < n; ++g) {
    out.goals.push_back({ids[g], descriptions[g], units[g], targets[g], deadlines[g]});
  }
  const auto value = py::array::ensure(d["value_at_deadline"]);
  if (!value || value.ndim() != 2 || static_cast<std::size_t>(value.shape(0)) != n) {
    throw py::value_error("goal results must be [goal, replicate] arrays");
  }
  out.replicates = static_cast<std::size_t>(value.shape(1));
  const std::size_t size = n * out.replicates;
  out.value_at_deadline = flat<double>(value, size, "value_at_deadline");
  out.met = flat<std::int8_t>(d["met"], size, "met");
  out.first_met = flat<double>(d["first_met"], size, "first_met");
  if (d.contains("cost_to_deadline")) {
    out.cost_to_deadline = flat<double>(d["cost_to_deadline"], size, "cost_to_deadline");
  }
  if (d.contains("counterfactual")) {
    out.counterfactual = d["counterfactual"].cast<std::string>();
    for (const auto& item : d["comparison"]) {
      const auto m = item.cast<py::dict>();
      sim::ComparisonMeasure measure;
      measure.name = m["name"].cast<std::string>();
      measure.unit = m["units"].cast<std::string>();
      measure.description = m["description"].cast<std::string>();
      measure.per_replicate = flat<double>(m["per_replicate"], out.replicates, "comparison");
      out.comparison.push_back(std::move(measure));
    }
  }
  return out;
}

// Sobol indices as arrays in design column order (first, first_low, ..., total_se) plus the
// scalars of the result, for clustersim.sensitivity.
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

// The goal report exactly as `clustersim goals [--json]` prints it.
std::string goals_report(const sim::GoalResults& results, bool json) {
  return json ? sim::goals_report_json(results) : sim::goals_report_text(results);
}

const char* type_text(sim::SettingType t) {
  switch (t) {
    case sim::SettingType::Number:
      return "number";
    case sim::SettingType::Integer:
      return "integer";
    case sim::SettingType::Boolean:
      return "boolean";
    case sim::SettingType::Text:
      return "text";
    case sim::SettingType::Date:
      return "date";
    case sim::SettingType::Path:
      return "path";
  }
  return "?";
}

// Runs an ensemble on a background thread while this (the calling, GIL-holding) thread wakes
// every `poll_seconds` to run Python's signal handlers and report progress. Ctrl-C (or an
// exception from the progress callback) cancels the run, which stops at every replicate's next
// quarter; the Python exception is then raised and no result exists.
std::unique_ptr<Run> run_ensemble(const sim::Scenario& scenario, int threads,
                                  const py::object& progress, double poll_seconds) {
  sim::check_ensemble_fits(model(), scenario);
  const auto poll =
      std::chrono::milliseconds(std::max(10, static_cast<int>(poll_seconds * 1000.0)));
  auto report = [&](const sim::ProgressCounter& c) {
    if (!progress.is_none()) {
      progress(c.steps_done.load(), c.total_steps.load(), c.replicates_done.load(),
               c.total_replicates.load());
    }
  };
  auto background = std::make_unique<sim::BackgroundRun>(model(), scenario, threads);
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
  {
    py::gil_scoped_release release;
    run->result = background->get();
  }
  report(background->progress());
  return run;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "clustersim engine and model (internal; use the clustersim package)";
  // Errors are reported as Python exceptions; HDF5 must not print its own error stack.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);

  // pybind11 takes translators as void(*)(std::exception_ptr): the copy is its signature.
  py::register_exception_translator(
      [](std::exception_ptr p) {  // NOLINT(performance-unnecessary-value-param)
        try {
          if (p) std::rethrow_exception(p);
        } catch (const sim::InputError& e) {
          const py::object cls = py::module_::import("clustersim._errors").attr("ScenarioError");
          const py::object error =
              cls(e.what(), py::arg("file") = e.where().file, py::arg("line") = e.where().line,
                  py::arg("column") = e.where().column, py::arg("key") = e.key(),
                  py::arg("detail") = e.detail());
          PyErr_SetObject(cls.ptr(), error.ptr());
        } catch (const sim::Cancelled& e) {
          PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
        }
      });

  m.attr("RESULT_FILETYPE") = sim::kResultFiletype;
  m.attr("RESULT_SCHEMA_VERSION") =
      py::make_tuple(sim::kResultSchemaMajor, sim::kResultSchemaMinor);
  m.def("version", &sim::clustersim_version);
  m.def("git_commit", &sim::git_commit);
  m.def("build_flags", &sim::build_flags);
  m.def("effective_threads", &sim::effective_threads, py::arg("requested") = 0,
        "Worker threads a run uses when `requested` are asked for (0: all cores).");

  m.def(
      "metrics",
      [] {
        py::list out;
        for (const auto& info : model().metrics()) {
          out.append(py::dict(py::arg("name") = info.name, py::arg("units") = info.units,
                              py::arg("description") = info.description));
        }
        return out;
      },
      "The model's metrics: name, units, description.");

  m.def(
      "schema",
      [] {
        py::list out;
        for (const auto& s : model().schema().settings()) {
          out.append(
              py::dict(py::arg("key") = s.key, py::arg("type") = type_text(s.type),
                       py::arg("unit") = s.unit, py::arg("min") = s.min, py::arg("max") = s.max,
                       py::arg("default") = s.default_yaml, py::arg("description") = s.description,
                       py::arg("by_date") = s.by_date, py::arg("by_cluster") = s.by_cluster));
        }
        return out;
      },
      "Every scenario setting of the model.");

  py::class_<sim::Scenario, std::shared_ptr<sim::Scenario>>(m, "Scenario")
      .def_static(
          "load",
          [](const std::string& path, const std::vector<std::string>& overrides) {
            return std::make_shared<sim::Scenario>(
                sim::Scenario::load(path, model().schema(), options_of(overrides)));
          },
          py::arg("path"), py::arg("overrides") = std::vector<std::string>{})
      .def_static(
          "from_text",
          [](const std::string& text, const std::string& name,
             const std::vector<std::string>& overrides) {
            return std::make_shared<sim::Scenario>(
                sim::load_scenario_text(text, name, model().schema(), options_of(overrides)));
          },
          py::arg("text"), py::arg("name"), py::arg("overrides") = std::vector<std::string>{})
      .def_property_readonly("name", &sim::Scenario::name)
      .def_property_readonly("source", &sim::Scenario::source)
      .def_property_readonly("seed", &sim::Scenario::seed)
      .def_property_readonly("replicates", &sim::Scenario::replicates)
      .def_property_readonly("steps", [](const sim::Scenario& s) { return s.calendar().steps(); })
      .def_property_readonly("resolved_yaml", &sim::Scenario::resolved_yaml)
      .def_property_readonly(
          "clusters",
          [](const sim::Scenario& s) {
            py::list out;
            for (const auto& c : s.clusters().all()) {
              out.append(py::dict(py::arg("id") = c.id, py::arg("name") = c.name,
                                  py::arg("name_zh") = c.name_zh, py::arg("region") = c.region,
                                  py::arg("kind") = c.kind, py::arg("host_city") = c.host_city));
            }
            return out;
          })
      .def_property_readonly(
          "quarters",
          [](const sim::Scenario& s) {
            // (decimal year at the quarter's end, ISO date of its last day, label) per step.
            py::list out;
            const sim::Calendar& cal = s.calendar();
            for (int t = 0; t < cal.steps(); ++t) {
              const int q = cal.quarter_of_step(t);
              out.append(py::make_tuple(sim::quarter_end_decimal_year(q), sim::quarter_end(q).iso(),
                                        sim::quarter_label(q)));
            }
            return out;
          })
      .def("check_fits", [](const sim::Scenario& s) { sim::check_ensemble_fits(model(), s); })
      .def("__repr__", [](const sim::Scenario& s) {
        const sim::Calendar& cal = s.calendar();
        return "<clustersim.Scenario '" + s.name() + "': " + std::to_string(s.clusters().size()) +
               " clusters, " + sim::quarter_label(cal.first_quarter) + " to " +
               sim::quarter_label(cal.last_quarter) + ", " + std::to_string(s.replicates()) +
               " replicates, seed " + std::to_string(s.seed()) + ">";
      });

  py::class_<Run>(m, "Run")
      .def_property_readonly("threads", [](const Run& r) { return r.threads; })
      .def_property_readonly("wall_seconds", [](const Run& r) { return r.result.wall_seconds; })
      .def_property_readonly("shape",
                             [](const Run& r) {
                               const auto& a = r.result.metrics;
                               return py::make_tuple(a.replicates(), a.steps(), a.clusters());
                             })
      .def(
          "metric",
          [](const py::object& self, std::size_t index) {
            Run& run = self.cast<Run&>();
            auto& a = run.result.metrics;
            if (index >= a.metrics()) throw py::index_error("no such metric");
            const auto c = static_cast<py::ssize_t>(a.clusters());
            const auto t = static_cast<py::ssize_t>(a.steps());
            const auto r = static_cast<py::ssize_t>(a.replicates());
            constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
            // A view into the ensemble's array; `self` is the NumPy array's base.
            return py::array_t<double>({r, t, c}, {t * c * d, c * d, d}, a.metric(index), self);
          },
          py::arg("index"), "Metric `index` as a [replicate, time, cluster] view, no copy.")
      .def_property_readonly("goals", [](const Run& r) { return goals_to_python(r.result.goals); });

  m.def(
      "run",
      [](const sim::Scenario& scenario, int threads, const py::object& progress,
         double poll_seconds) { return run_ensemble(scenario, threads, progress, poll_seconds); },
      py::arg("scenario"), py::arg("threads") = 0, py::arg("progress") = py::none(),
      py::arg("poll_seconds") = 0.1,
      "Runs the scenario's ensemble with the GIL released; progress(steps_done, total_steps, "
      "replicates_done, total_replicates) is called on this thread while it runs.");

  // HDF5 (shared with h5py in this process, and not thread-safe) is used with the GIL held.
  m.def(
      "write_result",
      [](const std::string& path, const sim::Scenario& scenario, const Run& run,
         const std::string& command_line, const sim::Scenario* counterfactual,
         const Run* counterfactual_run) {
        std::optional<sim::CounterfactualRun> with;
        if (counterfactual != nullptr && counterfactual_run != nullptr) {
          with.emplace(sim::CounterfactualRun{*counterfactual, counterfactual_run->result});
        }
        sim::write_result_file(path, model(), scenario, run.result,
                               sim::Provenance{command_line, run.threads}, with ? &*with : nullptr);
      },
      py::arg("path"), py::arg("scenario"), py::arg("run"), py::arg("command_line"),
      py::arg("counterfactual") = py::none(), py::arg("counterfactual_run") = py::none());
  m.def("check_same_clusters", &sim::check_same_clusters, py::arg("run"), py::arg("counterfactual"),
        py::arg("name_for_errors"),
        "ScenarioError unless the counterfactual has the run's clusters, in order.");
  m.def("counterfactual_overrides", &sim::counterfactual_overrides, py::arg("run"),
        "Overrides putting a counterfactual on a run's calendar, seed and replicates.");
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
  m.def("check_output_path", &sim::check_output_path, py::arg("path"), py::arg("force"));
  m.def("check_seal", &sim::check_seal, py::arg("path"));
  m.def(
      "read_goal_results",
      [](const std::string& path) { return goals_to_python(sim::read_goal_results(path)); },
      py::arg("path"));

  // Sensitivity analysis: the one implementation of the design and the estimators, which the
  // Python package (clustersim.sensitivity) calls rather than re-implementing them.
  m.def(
      "saltelli_design",
      [](std::size_t factors, std::size_t base_samples) {
        const auto design = sim::saltelli_design(factors, base_samples);
        const auto columns = static_cast<py::ssize_t>(factors);
        return array_of(design, {static_cast<py::ssize_t>(design.size()) / columns, columns});
      },
      py::arg("factors"), py::arg("base_samples"),
      "Saltelli's design in the unit cube as a [rows, factors] array: per base sample j the rows "
      "A_j, AB_j^1 .. AB_j^factors, B_j. ValueError for an empty or oversized design.");
  m.def(
      "sobol_indices",
      [](const py::array_t<double, py::array::c_style | py::array::forcecast>& y,
         std::size_t factors, std::size_t base_samples, std::size_t bootstrap, double confidence,
         std::uint64_t seed) {
        if (y.ndim() != 1) throw py::value_error("y must be one-dimensional: one value per row");
        const std::span<const double> values(y.data(), static_cast<std::size_t>(y.size()));
        sim::SobolResult result;
        {
          py::gil_scoped_release release;  // y stays alive: the caller holds it
          result = sim::sobol_indices(values, factors, base_samples, bootstrap, confidence, seed);
        }
        return sobol_to_python(result);
      },
      py::arg("y"), py::arg("factors"), py::arg("base_samples"), py::arg("bootstrap") = 1000,
      py::arg("confidence") = 0.95, py::arg("seed") = 0,
      "First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices of the outputs y of "
      "saltelli_design's rows, with bootstrap percentile intervals: a dict of arrays (first, "
      "first_low, first_high, first_se, total, total_low, total_high, total_se) and variance, "
      "base_samples, bootstrap, confidence, seed. ValueError for outputs that do not fit.");
  m.def(
      "evaluate_outcome",
      [](const std::string& path, const std::string& expression) {
        const auto values = sim::evaluate_outcome(expression, sim::read_sweep_table(path));
        return array_of(values, {static_cast<py::ssize_t>(values.size())});
      },
      py::arg("path"), py::arg("expression"),
      "An outcome (G3, sum(M, 2020), ...) per run of a sweep result file, as the engine computes "
      "it; ScenarioError for a bad expression or file.");

  m.def(
      "goals_report",
      [](const py::dict& goals, bool json) { return goals_report(goals_from_python(goals), json); },
      py::arg("goals"), py::arg("json") = false,
      "The engine's goal report (what `clustersim goals [--json]` prints) of a goals mapping.");
}
