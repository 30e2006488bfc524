// Entry points for programs that embed the engine (the Python module): scenarios given as text
// that may extend a file, and an ensemble run on its own thread that the caller watches and may
// cancel while it does other work (such as checking for Ctrl-C).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "sim/run/ensemble.hpp"

namespace sim {

// A scenario from YAML text. Without `extends` this is Scenario::from_yaml. With `extends: path`
// (a relative path is taken from the current directory) the named file is loaded, and every
// setting the text writes is applied on top of it as an override, in the text's order and before
// `options.overrides`; errors in those settings then name the override ("--set key=value")
// rather than a line of the text. Relative paths in Path settings are taken from the current
// directory, as Scenario::from_yaml does.
Scenario load_scenario_text(const std::string& yaml, const std::string& name_for_errors,
                            const Schema& schema, const LoadOptions& options = {});

// The worker threads a run uses when `requested` are asked for (0: all cores), as the CLI does.
int effective_threads(int requested);

// run_ensemble on a thread of its own, limited to `threads` worker threads. The model and the
// scenario must outlive this object; destroying it before the end cancels the run and waits.
class BackgroundRun {
 public:
  // `overrides`: per replicate, settings beyond the scenario's (a calibration's posterior
  // draws; run_ensemble).
  BackgroundRun(const Model& model, const Scenario& scenario, int threads,
                ReplicateOverrides overrides = {});
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;
  ~BackgroundRun();

  const ProgressCounter& progress() const { return progress_; }
  int threads() const { return threads_; }
  // Waits at most `timeout`; true once the run has ended (finished, failed or cancelled).
  bool wait_for(std::chrono::milliseconds timeout);
  // Asks every replicate to stop at its next quarter.
  void cancel() { cancel_.store(true); }
  // Waits for the end, then returns the result or rethrows what stopped the run (Cancelled
  // after cancel()). Call it once.
  EnsembleResult get();

 private:
  int threads_;
  ProgressCounter progress_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::condition_variable ended_;
  bool done_ = false;
  EnsembleResult result_;
  ReplicateOverrides overrides_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace sim
