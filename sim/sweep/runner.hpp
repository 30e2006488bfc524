// Running a sweep's (point, replicate) runs: on this machine's cores, as one shard of a Slurm
// job array, or spread over MPI ranks (sim/sweep/mpi.hpp); and merging shards. Every placement
// writes the same run files and assembles them the same way, so results are identical.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/progress.hpp"
#include "sim/sweep/store.hpp"

namespace sim {

struct SweepOptions {
  std::string output;  // the sweep's result file; finished runs go to <output>.d
  int threads = 0;     // 0: all cores (under MPI: the cores per rank on the node)
  bool quiet = false;
  bool force = false;      // replace an existing result file
  bool keep_runs = false;  // keep <output>.d after assembling
  int shard = -1;          // --shard K/N: this process's share, K in 0..N-1
  int shards = 0;
  std::string command_line;
  const std::atomic<bool>* cancel = nullptr;
  int (*stop_signal)() = nullptr;  // the signal that raised `cancel` (0: none or not known)
};

// Parses "K/N" (0 <= K < N); InputError (key --shard) otherwise.
void parse_shard(const std::string& text, int& shard, int& shards);

// The validated scenario of every point, in point order.
std::vector<Scenario> point_scenarios(const SweepDefinition& sweep, const Model& model);

// Runs one (point, replicate) and returns what its run file holds (with its stylized facts when
// `facts`); stops between steps (Cancelled) when `cancel` or `stop` is raised.
RunResult simulate_run(const Model& model, const Scenario& scenario, std::size_t replicate,
                       const std::vector<std::size_t>& metric_index, bool facts,
                       const std::atomic<bool>* cancel, const std::atomic<bool>* stop = nullptr);

// Runs one run (index point * replicates + replicate) and writes it to `subfolder` of the
// store; bumps progress by one run.
void execute_run(const Model& model, const SweepDefinition& sweep,
                 const std::vector<Scenario>& scenarios, const SweepStore& store,
                 const std::string& subfolder, const std::vector<std::size_t>& metric_index,
                 std::size_t run, ProgressCounter* progress, const std::atomic<bool>* cancel,
                 const std::atomic<bool>* stop = nullptr);

// Runs `runs` (index point * replicates + replicate) in parallel on this process's TBB arena,
// writing each as it finishes to `subfolder` of the store; bumps progress once per run. Throws
// Cancelled (finished runs kept) when `cancel` is raised.
void run_sweep_runs(const Model& model, const SweepDefinition& sweep,
                    const std::vector<Scenario>& scenarios, const SweepStore& store,
                    const std::string& subfolder, const std::vector<std::size_t>& runs,
                    ProgressCounter* progress, const std::atomic<bool>* cancel);

// Assembles the sweep's result file from the store and, unless asked to keep them, removes the
// finished runs.
void assemble_and_tidy(const Model& model, const SweepStore& store, const SweepOptions& options);

// True when an MPI launcher (mpirun, srun --mpi) started this process.
bool launched_by_mpi();

// Throws InputError when srun started this process as one of several tasks
// (SLURM_STEP_NUM_TASKS > 1) while MPI sees `mpi_ranks` == 1: the MPI library did not join the
// tasks into one job (srun without the --mpi plugin the library speaks), and each task would
// run the whole `what` ("sweep", "calibration") into the same folder. A launcher that started
// one rank on purpose (OMPI_COMM_WORLD_SIZE or PMI_SIZE of 1) is left alone.
void refuse_unjoined_srun_tasks(std::string_view what, int mpi_ranks);

// Runs the sweep where the options (or an MPI launcher) say, and assembles its result file
// unless this is one shard. Throws InputError for bad input and Cancelled when stopped
// (finished runs are kept); under MPI, once MPI has started, JobStopped on every rank when the
// job stopped (a signal, a failed run, bad input found by a run) instead.
void run_sweep(const Model& model, const SweepDefinition& sweep, const SweepOptions& options);

// Assembles the runs in `folder` (all shards) into `output`.
void merge_sweep(const Model& model, const std::string& folder, const std::string& output,
                 bool force, const std::string& command_line);

}  // namespace sim
