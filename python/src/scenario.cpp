// The model's settings and metrics, and Scenario: loaded and checked by the engine, with its
// clusters and quarters for the Dataset's coordinates; the calendar's quarter labels.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "python/src/bindings.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/calendar.hpp"
#include "sim/run/api.hpp"
#include "sim/run/ensemble.hpp"

namespace clustersim_python {
namespace {

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

py::list metrics() {
  py::list out;
  for (const auto& info : model().metrics()) {
    out.append(py::dict(py::arg("name") = info.name, py::arg("units") = info.units,
                        py::arg("description") = info.description,
                        py::arg("kind") = sim::metric_kind_name(info.kind)));
  }
  return out;
}

py::list schema() {
  py::list out;
  for (const auto& s : model().schema().settings()) {
    out.append(py::dict(py::arg("key") = s.key, py::arg("type") = type_text(s.type),
                        py::arg("unit") = s.unit, py::arg("min") = s.min, py::arg("max") = s.max,
                        py::arg("default") = s.default_yaml, py::arg("description") = s.description,
                        py::arg("by_date") = s.by_date, py::arg("by_cluster") = s.by_cluster));
  }
  return out;
}

sim::LoadOptions options_of(const std::vector<std::string>& overrides) {
  return sim::LoadOptions{overrides};
}

std::shared_ptr<sim::Scenario> load(const std::string& path,
                                    const std::vector<std::string>& overrides) {
  return std::make_shared<sim::Scenario>(
      sim::Scenario::load(path, model().schema(), options_of(overrides)));
}

std::shared_ptr<sim::Scenario> from_text(const std::string& text, const std::string& name,
                                         const std::vector<std::string>& overrides) {
  return std::make_shared<sim::Scenario>(
      sim::load_scenario_text(text, name, model().schema(), options_of(overrides)));
}

py::list clusters(const sim::Scenario& s) {
  py::list out;
  for (const auto& c : s.clusters().all()) {
    out.append(py::dict(py::arg("id") = c.id, py::arg("name") = c.name,
                        py::arg("name_zh") = c.name_zh, py::arg("region") = c.region,
                        py::arg("kind") = c.kind, py::arg("host_city") = c.host_city));
  }
  return out;
}

// (decimal year at the quarter's end, ISO date of its last day, label) per step.
py::list quarters(const sim::Scenario& s) {
  py::list out;
  const sim::Calendar& cal = s.calendar();
  for (int t = 0; t < cal.steps(); ++t) {
    const int q = cal.quarter_of_step(t);
    out.append(py::make_tuple(sim::quarter_end_decimal_year(q), sim::quarter_end(q).iso(),
                              sim::quarter_label(q)));
  }
  return out;
}

std::string repr(const sim::Scenario& s) {
  const sim::Calendar& cal = s.calendar();
  return "<clustersim.Scenario '" + s.name() + "': " + std::to_string(s.clusters().size()) +
         " clusters, " + sim::quarter_label(cal.first_quarter) + " to " +
         sim::quarter_label(cal.last_quarter) + ", " + std::to_string(s.replicates()) +
         " replicates, seed " + std::to_string(s.seed()) + ">";
}

}  // namespace

void export_scenario(py::module_& m) {
  m.def("metrics", &metrics, "The model's metrics: name, units, description, kind.");
  m.def("schema", &schema, "Every scenario setting of the model.");

  py::class_<sim::Scenario, std::shared_ptr<sim::Scenario>>(m, "Scenario")
      .def_static("load", &load, py::arg("path"), py::arg("overrides") = std::vector<std::string>{})
      .def_static("from_text", &from_text, py::arg("text"), py::arg("name"),
                  py::arg("overrides") = std::vector<std::string>{})
      .def_property_readonly("name", &sim::Scenario::name)
      .def_property_readonly("source", &sim::Scenario::source)
      .def_property_readonly("seed", &sim::Scenario::seed)
      .def_property_readonly("replicates", &sim::Scenario::replicates)
      .def_property_readonly("steps", [](const sim::Scenario& s) { return s.calendar().steps(); })
      .def_property_readonly("resolved_yaml", &sim::Scenario::resolved_yaml)
      .def_property_readonly("clusters", &clusters)
      .def_property_readonly("quarters", &quarters)
      .def("check_fits", [](const sim::Scenario& s) { sim::check_ensemble_fits(model(), s); })
      .def("__repr__", &repr);

  m.def("check_same_clusters", &sim::check_same_clusters, py::arg("run"), py::arg("counterfactual"),
        py::arg("name_for_errors"),
        "ScenarioError unless the counterfactual has the run's clusters, in order.");
  m.def("counterfactual_overrides", &sim::counterfactual_overrides, py::arg("run"),
        "Overrides putting a counterfactual on a run's calendar, seed and replicates.");
  m.def("quarter_label", &sim::quarter_label_at, py::arg("decimal_year"),
        "'2015Q4' for the decimal year at a quarter's end (2016.0); 'never' for NaN.");
}

}  // namespace clustersim_python
