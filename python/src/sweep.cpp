// Running a sweep in-process: the sweep's own runner (local cores, finished runs kept in
// OUT.h5.d and skipped when it is run again), on a worker thread while the calling thread runs
// Python's signal handlers, so that Ctrl-C stops it as it stops `clustersim sweep`.
#include <atomic>
#include <chrono>
#include <exception>
#include <string>
#include <thread>

#include "python/src/bindings.hpp"
#include "sim/core/errors.hpp"
#include "sim/sweep/file.hpp"
#include "sim/sweep/runner.hpp"

namespace clustersim_python {
namespace {

void run_sweep_file(const std::string& path, const std::string& output, int threads, bool force,
                    bool quiet, const std::string& command_line) {
  const sim::SweepDefinition sweep = sim::load_sweep(path, model());
  std::atomic<bool> cancel{false};
  sim::SweepOptions options;
  options.output = output;
  options.threads = threads;
  options.quiet = quiet;
  options.force = force;
  options.command_line = command_line;
  options.cancel = &cancel;
  std::exception_ptr failure;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    try {
      sim::run_sweep(model(), sweep, options);
    } catch (...) {
      failure = std::current_exception();
    }
    done.store(true);
  });
  const auto join = [&] {
    py::gil_scoped_release release;
    worker.join();
  };
  while (!done.load()) {
    {
      py::gil_scoped_release release;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (PyErr_CheckSignals() != 0) {
      // Finished runs stay in OUT.h5.d: the same call resumes from them.
      cancel.store(true);
      join();
      throw py::error_already_set();
    }
  }
  join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

void export_sweep(py::module_& m) {
  m.def("sweep", &run_sweep_file, py::arg("path"), py::arg("output"), py::arg("threads") = 0,
        py::arg("force") = false, py::arg("quiet") = false, py::arg("command_line") = "",
        "Runs the sweep file at `path` on this machine's cores as `clustersim sweep PATH -o "
        "OUTPUT` does (resuming from OUTPUT.d) and writes OUTPUT. ScenarioError for bad input; "
        "KeyboardInterrupt on Ctrl-C, with the finished runs kept.");
}

}  // namespace clustersim_python
