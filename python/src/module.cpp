// clustersim._core: the engine and the plan's model for Python. Scenarios are loaded and
// validated by the engine (errors become clustersim.ScenarioError), ensembles run in-process
// with the GIL released, and metrics come back as NumPy views of the ensemble's C++ array.
// The pure-Python package (python/clustersim) builds xarray Datasets from what this returns.
// Each area is bound in its own file (bindings.hpp lists them).
#include <hdf5.h>

#include <exception>

#include "models/cluster_model.hpp"
#include "python/src/bindings.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"
#include "sim/run/api.hpp"

namespace clustersim_python {

const sim::Model& model() {
  static const models::ClusterModel instance;
  return instance;
}

py::list strings(const std::vector<std::string>& values) {
  py::list out;
  for (const auto& v : values) out.append(v);
  return out;
}

namespace {

// pybind11 takes translators as void(*)(std::exception_ptr): the copy is its signature.
void translate(std::exception_ptr p) {  // NOLINT(performance-unnecessary-value-param)
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
}

void export_build(py::module_& m) {
  m.def("version", &sim::clustersim_version);
  m.def("git_commit", &sim::git_commit);
  m.def("build_flags", &sim::build_flags);
  m.def("effective_threads", &sim::effective_threads, py::arg("requested") = 0,
        "Worker threads a run uses when `requested` are asked for (0: all cores).");
}

}  // namespace

}  // namespace clustersim_python

PYBIND11_MODULE(_core, m) {
  using namespace clustersim_python;
  m.doc() = "clustersim engine and model (internal; use the clustersim package)";
  // Errors are reported as Python exceptions; HDF5 must not print its own error stack.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  py::register_exception_translator(&translate);

  export_build(m);
  export_scenario(m);
  export_run(m);
  export_files(m);
  export_goals(m);
  export_analysis(m);
  export_sweep(m);
}
