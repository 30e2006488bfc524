// Result files: one HDF5 file per run, laid out as results/README.md describes, readable by
// netCDF-4 tools (dimension scales) as well as by clustersim.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/errors.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/run/ensemble.hpp"

namespace sim {

inline constexpr const char* kResultFiletype = "clustersim-result";
inline constexpr int kResultSchemaMajor = 1;
// 1.1: each metric's kind (sim/run/metric_kind.hpp) as an attribute.
inline constexpr int kResultSchemaMinor = 1;

struct Provenance {
  std::string command_line;
  int threads = 0;
  // Per replicate, the settings it ran with beyond the scenario's (a calibration's posterior
  // draw) as "key=value" lines; empty when every replicate ran the scenario as it is.
  std::vector<std::string> replicate_settings;
};

// A counterfactual ensemble run alongside (same calendar, clusters, seed and replicates).
struct CounterfactualRun {
  const Scenario& scenario;
  const EnsembleResult& result;
};

// Writes to a temporary name in the same folder, then renames it to `path` once complete, so
// that `path` is either absent, the previous file, or the whole new result. With a
// counterfactual, its metrics go under /counterfactual and the comparison under /comparison.
void write_result_file(const std::string& path, const Model& model, const Scenario& scenario,
                       const EnsembleResult& result, const Provenance& provenance,
                       const CounterfactualRun* counterfactual = nullptr);

// Writes an HDF5 file through `write`, given a temporary name in the same folder, then seals
// it (sim/file_seal.hpp), fsyncs it and renames it to `path`: a crash leaves `path` absent, the
// previous file, or the whole new one. The temporary file is removed when anything fails.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temporary)>& write);

// --- pieces shared by ensemble and sweep result files ------------------------------------

// Root attributes every result file carries: filetype (a result's, unless told otherwise),
// schema_version {major, schema_minor}, clustersim_version, git_commit, build_flags, created,
// command_line.
void write_file_identity(hid_t file, int schema_minor, const std::string& command_line,
                         const char* filetype = nullptr);

// The root dimension scales time, cluster and replicate (0..replicates-1) and the labels of
// time and cluster under /coords.
void write_coordinates(hid_t file, const Scenario& scenario, std::size_t replicates,
                       h5::Handle& time, h5::Handle& cluster, h5::Handle& replicate);

// The goal dimension scale at the root and the goals' description, unit, target and deadline
// in `group`; returns the dimension scale.
h5::Handle write_goal_definitions(hid_t file, hid_t group,
                                  const std::vector<GoalDefinition>& definitions);

// Checks that `path` can be written before a run starts: the folder exists and is writable,
// and an existing file is replaced only when `force` is set. Throws InputError otherwise.
void check_output_path(const std::string& path, bool force);

// Opens a result file (ensemble or sweep) after checking its seal, its filetype and that its
// schema's major version is this build's; InputError naming the file otherwise.
h5::Handle open_result_file(const std::string& path);

// Reads the per-replicate goal results of a result file; InputError when the file is not a
// clustersim result or is damaged.
GoalResults read_goal_results(const std::string& path);

// True when `path` is a sweep's result file (goals per point: [point, goal, replicate]).
bool is_sweep_result(const std::string& path);

// The name of a sweep file's design-point dimension: "point", or "run" in files written
// before sweep schema 1.3 (when the point's settings were under /coords/run).
std::string sweep_point_dimension(hid_t file);

// One point of a sweep: its settings as "key=value, ..." and its replicates' goal results.
struct PointGoals {
  std::string settings;
  GoalResults goals;
};
// Reads a sweep result file's goal results, point by point; InputError when it is not a sweep
// result or is damaged.
std::vector<PointGoals> read_point_goal_results(const std::string& path);

// Reads a goal's met values from `dataset` of `file` (a result file's /goals/met, a sweep run
// file's met): 1 met by the deadline, 0 not, -1 undecided. Any other number is refused with an
// InputError naming `path` and the dataset, rather than narrowed to int8 (257 would be 1).
std::vector<std::int8_t> read_goal_met(hid_t file, const std::string& dataset,
                                       const std::string& path);

// Reads the per-agent snapshots of a result file (none when the run took none), in step order.
std::vector<Snapshot> read_snapshots(const std::string& path);

// Build facts recorded in every file.
std::string clustersim_version();
std::string git_commit();
std::string build_flags();

}  // namespace sim
