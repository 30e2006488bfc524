// The folder of a sweep's finished runs (OUT.h5.d next to OUT.h5): a manifest naming the sweep
// and the build, one small HDF5 file per finished (point, replicate) in the subfolder of the
// process that ran it, and the assembly of them all into the sweep's result file. A run's file
// appears atomically once the run is complete, so the folder is the sweep's durable record:
// resuming skips what it holds. Layout in results/README.md ("Sweep files").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/run/model.hpp"
#include "sim/sweep/file.hpp"

namespace sim {

// What one finished run holds: its metrics (the sweep's written subset, one replicate) and its
// goals (one replicate).
struct RunResult {
  MetricsArray metrics;  // [metric][0][step][cluster]
  GoalResults goals;
  std::vector<double> facts;  // Model::facts() order, when the sweep records them; else empty
};

// This build's identity as recorded in manifests and run files: version, commit and flags.
std::string build_id();

// The folder of finished runs for a sweep written to `output`: "<output>.d".
std::string runs_folder_of(const std::string& output);

// Indices of the model's metrics a sweep writes, in its order.
std::vector<std::size_t> written_metrics(const SweepDefinition& sweep, const Model& model);

class SweepStore {
 public:
  // Opens `folder` for `sweep`, creating it and its manifest, or checking that the manifest it
  // holds is of the same sweep (fingerprint) and build; InputError otherwise.
  SweepStore(std::string folder, const SweepDefinition& sweep);

  // Reads the manifest of an existing folder back into the sweep it was written for (text,
  // base, design, replicates, metrics, fingerprint). InputError when the folder or manifest is
  // missing or damaged, or the manifest is of another build.
  static SweepDefinition read_manifest(const std::string& folder);

  const std::string& folder() const { return folder_; }

  // Which runs (index point * replicates + replicate) have a file in any subfolder. A file
  // whose seal fails is removed with a warning on stderr, and its run counts as not finished.
  std::vector<bool> finished() const;

  // Removes temporary files a killed process left in `subfolder`.
  void remove_leftovers(const std::string& subfolder) const;

  // Writes one finished run atomically as <folder>/<subfolder>/run-<point>-<replicate>.h5.
  // Safe to call from many threads.
  void write_run(const std::string& subfolder, std::size_t point, std::size_t replicate,
                 const RunResult& run) const;

  // Assembles every run into the sweep's result file at `output` (written atomically).
  // InputError naming the runs that are missing, or a run file of another sweep or build.
  void assemble(const std::string& output, const Model& model,
                const std::string& command_line) const;

 private:
  std::string folder_;
  const SweepDefinition& sweep_;
};

}  // namespace sim
