// Running a calibration: the pilot, then generation after generation of ABC-SMC
// (sim/calibrate/abc.hpp), each generation's proposals evaluated in batches through the sweep
// machinery (sim/sweep/runner.hpp), every batch and generation kept in OUT.h5.d as it is done,
// and the result file written at the end.
//
// Deterministic for a seed, whatever the placement: a proposal is a pure function of the seed,
// the generation, its index and the previous generation (stored exactly), and every proposal
// runs with its own seed (run.seed) drawn the same way; accepted particles are taken in
// proposal order. A calibration stopped at any point and started again recomputes the same
// proposals, finds the batches and generations already done, and goes on: the posterior is bit
// for bit the one an uninterrupted calibration gives.
#pragma once

#include <atomic>
#include <string>

#include "sim/calibrate/file.hpp"
#include "sim/calibrate/result.hpp"
#include "sim/run/model.hpp"

namespace sim {

struct CalibrationOptions {
  std::string output;  // the result file; work in progress goes to <output>.d
  int threads = 0;     // 0: all cores
  bool quiet = false;
  bool force = false;  // replace an existing result file
  std::string command_line;
  const std::atomic<bool>* cancel = nullptr;
  // In a job array: --shard K/N runs only this shard's share of the next batch that needs runs
  // and stops; --step then evaluates that batch (running any run a shard left undone) and goes
  // on until the next batch that needs runs, or to the end.
  int shard = -1, shards = 0;
  bool step = false;
};

// What a call did: the calibration is finished (result file written), or it paused in a job
// array's workflow (a shard's runs done, or a step done) and waits for the next call.
enum class CalibrationState { Finished, Paused };

// Runs (or resumes) the calibration and writes its result file. Throws InputError for bad
// input (before any run where it can be found then), Cancelled when stopped (work done is
// kept in <output>.d).
CalibrationState run_calibration(const Model& model, const CalibrationDefinition& cal,
                                 const CalibrationOptions& options);

}  // namespace sim
