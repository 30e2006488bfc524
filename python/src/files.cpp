// Result files: writing a run (and its counterfactual), the checks made before reading or
// writing one, and its goal results. HDF5 (shared with h5py in this process, and not
// thread-safe) is used with the GIL held.
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "python/src/bindings.hpp"
#include "sim/config/scenario.hpp"
#include "sim/io/result_file.hpp"
#include "sim/io/seal.hpp"
#include "sim/report/pdf.hpp"
#include "sim/report/report.hpp"

namespace clustersim_python {
namespace {

void write_result(const std::string& path, const sim::Scenario& scenario, const Run& run,
                  const std::string& command_line, const sim::Scenario* counterfactual,
                  const Run* counterfactual_run) {
  std::optional<sim::CounterfactualRun> with;
  if (counterfactual != nullptr && counterfactual_run != nullptr) {
    with.emplace(sim::CounterfactualRun{*counterfactual, counterfactual_run->result});
  }
  sim::write_result_file(path, model(), scenario, run.result,
                         sim::Provenance{command_line, run.threads, run.replicate_settings},
                         with ? &*with : nullptr);
}

}  // namespace

void export_files(py::module_& m) {
  m.attr("RESULT_FILETYPE") = sim::kResultFiletype;
  m.attr("RESULT_SCHEMA_VERSION") =
      py::make_tuple(sim::kResultSchemaMajor, sim::kResultSchemaMinor);
  m.def("write_result", &write_result, py::arg("path"), py::arg("scenario"), py::arg("run"),
        py::arg("command_line"), py::arg("counterfactual") = py::none(),
        py::arg("counterfactual_run") = py::none());
  m.def("check_output_path", &sim::check_output_path, py::arg("path"), py::arg("force"));
  m.def("check_seal", &sim::check_seal, py::arg("path"));
  m.def(
      "read_goal_results",
      [](const std::string& path) { return goals_to_python(sim::read_goal_results(path)); },
      py::arg("path"));
  // `clustersim report`'s own code: the same file and options give the same bytes.
  m.def(
      "report_html",
      [](const std::string& path, const std::string& date, std::size_t bootstrap) {
        return sim::report::report_html(path, model(), {date, bootstrap});
      },
      py::arg("path"), py::arg("date") = "", py::arg("bootstrap") = 200);
  m.def("print_pdf", &sim::report::print_pdf, py::arg("html"), py::arg("pdf"),
        py::arg("timeout_seconds") = 120, py::call_guard<py::gil_scoped_release>());
}

}  // namespace clustersim_python
