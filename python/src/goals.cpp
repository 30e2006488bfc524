// The plan's goal results between the engine and Python (both ways), and the engine's goal
// report of them: clustersim.goals gets the numbers `clustersim goals` prints.
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "python/src/bindings.hpp"

namespace clustersim_python {

// Plus "counterfactual" and "comparison" (name, units, description, per_replicate) when the
// run was compared with a counterfactual.
py::dict goals_to_python(const sim::GoalResults& goals) {
  const auto [ids, descriptions, units, targets, deadlines, unreachable] =
      sim::goal_columns(goals.goals);
  const auto n = static_cast<py::ssize_t>(goals.goals.size());
  const auto r = static_cast<py::ssize_t>(goals.replicates);
  py::dict out;
  out["id"] = strings(ids);
  out["description"] = strings(descriptions);
  out["unit"] = strings(units);
  out["target"] = array_of(targets, {n});
  out["deadline"] = array_of(deadlines, {n});
  out["unreachable"] = strings(unreachable);
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

namespace {

template <typename T>
std::vector<T> flat(const py::handle& values, std::size_t size, const char* name) {
  const auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!a || static_cast<std::size_t>(a.size()) != size) {
    throw py::value_error(std::string("goal results: '") + name + "' has the wrong size");
  }
  return std::vector<T>(a.data(), a.data() + a.size());
}

std::vector<sim::GoalDefinition> definitions_from_python(const py::dict& d) {
  const auto ids = d["id"].cast<std::vector<std::string>>();
  const auto descriptions = d["description"].cast<std::vector<std::string>>();
  const auto units = d["unit"].cast<std::vector<std::string>>();
  const std::size_t n = ids.size();
  const auto targets = flat<double>(d["target"], n, "target");
  const auto deadlines = flat<double>(d["deadline"], n, "deadline");
  // Optional: results from before goals said why they were unreachable have none.
  const auto unreachable = d.contains("unreachable")
                               ? d["unreachable"].cast<std::vector<std::string>>()
                               : std::vector<std::string>(n);
  if (descriptions.size() != n || units.size() != n || unreachable.size() != n) {
    throw py::value_error("goal definitions disagree in length");
  }
  std::vector<sim::GoalDefinition> out;
  for (std::size_t g = 0; g < n; ++g) {
    out.push_back({ids[g], descriptions[g], units[g], targets[g], deadlines[g], unreachable[g]});
  }
  return out;
}

void comparison_from_python(const py::dict& d, sim::GoalResults& out) {
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

// The inverse of goals_to_python: a goals mapping (from a run or a file) as the engine's
// GoalResults.
sim::GoalResults goals_from_python(const py::dict& d) {
  sim::GoalResults out;
  out.goals = definitions_from_python(d);
  const std::size_t n = out.goals.size();
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
  if (d.contains("counterfactual")) comparison_from_python(d, out);
  return out;
}

// The goal report exactly as `clustersim goals [--json]` prints it.
std::string goals_report(const py::dict& goals, bool json) {
  const sim::GoalResults results = goals_from_python(goals);
  return json ? sim::goals_report_json(results) : sim::goals_report_text(results);
}

}  // namespace

void export_goals(py::module_& m) {
  m.def("goals_report", &goals_report, py::arg("goals"), py::arg("json") = false,
        "The engine's goal report (what `clustersim goals [--json]` prints) of a goals mapping.");
}

}  // namespace clustersim_python
