#include "sim/sweep/runner.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string_view>

#include "sim/core/checked.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/posterior_draws.hpp"
#include "sim/io/result_file.hpp"
#include "sim/run/ensemble.hpp"
#if CLUSTERSIM_WITH_MPI
#include "sim/sweep/mpi.hpp"
#endif

namespace fs = std::filesystem;

namespace sim {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string subfolder_of(const SweepOptions& options) {
  return options.shards > 0 ? fmt::format("shard-{}-of-{}", options.shard, options.shards)
                            : "local";
}

// The runs this process owns and has not finished: all of them, or every shards-th one from
// `shard` (a fixed split, so that each array task knows its share without talking to others).
std::vector<std::size_t> pending_runs(const std::vector<bool>& finished,
                                      const SweepOptions& options) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < finished.size(); ++i) {
    const bool mine = options.shards == 0 || i % static_cast<std::size_t>(options.shards) ==
                                                 static_cast<std::size_t>(options.shard);
    if (mine && !finished[i]) out.push_back(i);
  }
  return out;
}

std::size_t count_mine(std::size_t runs, const SweepOptions& options) {
  if (options.shards == 0) return runs;
  const auto n = static_cast<std::size_t>(options.shards);
  const auto k = static_cast<std::size_t>(options.shard);
  return runs / n + (k < runs % n ? 1 : 0);
}

int used_threads(int requested) {
  const int cores = tbb::info::default_concurrency();
  return requested > 0 ? std::min(requested, cores) : cores;
}

void print_header(const SweepDefinition& sweep, const SweepOptions& options, std::size_t mine,
                  std::size_t pending, int threads) {
  if (options.quiet) return;
  fmt::print(stderr,
             "clustersim {}: sweep {} ({} design, {} points x {} replicates = {} runs, {} "
             "threads)\n",
             clustersim_version(), sweep.path, method_name(sweep.method), sweep.points.size(),
             sweep.replicates, sweep.points.size() * static_cast<std::size_t>(sweep.replicates),
             threads);
  if (options.shards > 0) {
    fmt::print(stderr, "shard {}/{}: {} of the runs\n", options.shard, options.shards, mine);
  }
  if (pending < mine) {
    fmt::print(stderr, "resuming: {} of {} runs already finished in {}\n", mine - pending, mine,
               runs_folder_of(options.output));
  }
}

}  // namespace

void parse_shard(const std::string& text, int& shard, int& shards) {
  const std::size_t slash = text.find('/');
  const std::string_view whole(text);
  const std::optional<int> k = parse_whole<int>(whole.substr(0, slash));
  const std::optional<int> n =
      slash == std::string::npos ? std::nullopt : parse_whole<int>(whole.substr(slash + 1));
  if (!k || !n || *n < 1 || *k < 0 || *k >= *n) {
    throw InputError({"<command line>", 0, 0}, "--shard",
                     fmt::format("'{}' is not K/N with 0 <= K < N (e.g. 0/4 for the first of "
                                 "four shards)",
                                 text));
  }
  shard = *k;
  shards = *n;
}

std::vector<Scenario> point_scenarios(const SweepDefinition& sweep, const Model& model) {
  std::vector<Scenario> out;
  out.reserve(sweep.points.size());
  for (std::size_t p = 0; p < sweep.points.size(); ++p) {
    out.push_back(point_scenario(sweep, p, model));
  }
  return out;
}

RunResult simulate_run(const Model& model, const Scenario& scenario, std::size_t replicate,
                       const std::vector<std::size_t>& metric_index, bool facts,
                       const std::atomic<bool>* cancel, const std::atomic<bool>* stop) {
  const auto steps = static_cast<std::size_t>(scenario.calendar().steps());
  const std::size_t clusters = scenario.clusters().size();
  MetricsArray all(model.metrics().size(), 1, steps, clusters);
  // A base with a calibration draws this replicate's settings from its posterior, as an
  // ensemble's replicate would.
  const std::string& calibration = scenario.path("calibration.file");
  const ReplicateOverrides drawn =
      calibration.empty() ? ReplicateOverrides{}
                          : ReplicateOverrides{posterior_overrides(read_posterior(calibration),
                                                                   scenario.seed(), replicate)};
  // The prepared model refers to its scenario, which must outlive it.
  const std::optional<Scenario> own =
      drawn.empty() ? std::nullopt
                    : std::optional<Scenario>(replicate_scenario(scenario, drawn, 0));
  const auto prepared = model.prepare(own ? *own : scenario);
  std::vector<Snapshot> snapshots;
  run_replicate(*prepared, replicate, all, 0, RunControl{nullptr, cancel, nullptr, stop},
                facts ? model.fact_steps(scenario) : std::vector<int>{}, snapshots);
  RunResult out{MetricsArray(metric_index.size(), 1, steps, clusters),
                model.evaluate_goals(scenario, all),
                {}};
  if (facts) {
    // The facts read snapshots laid out as an ensemble's, with their replicate column.
    for (Snapshot& s : snapshots) s = stack_snapshots(s.step, {s});
    out.facts = model.fact_values(snapshots);
  }
  for (std::size_t k = 0; k < metric_index.size(); ++k) {
    std::copy_n(all.metric(metric_index[k]), steps * clusters, out.metrics.metric(k));
  }
  return out;
}

void execute_run(const Model& model, const SweepDefinition& sweep,
                 const std::vector<Scenario>& scenarios, const SweepStore& store,
                 const std::string& subfolder, const std::vector<std::size_t>& metric_index,
                 std::size_t run, ProgressCounter* progress, const std::atomic<bool>* cancel,
                 const std::atomic<bool>* stop) {
  const auto replicates = static_cast<std::size_t>(sweep.replicates);
  const std::size_t point = run / replicates, replicate = run % replicates;
  const Scenario& scenario = scenarios[point];
  store.write_run(
      subfolder, point, replicate,
      simulate_run(model, scenario, replicate, metric_index, sweep.facts, cancel, stop));
  if (progress != nullptr) {
    progress->steps_done += scenario.calendar().steps();
    ++progress->replicates_done;
  }
}

void run_sweep_runs(const Model& model, const SweepDefinition& sweep,
                    const std::vector<Scenario>& scenarios, const SweepStore& store,
                    const std::string& subfolder, const std::vector<std::size_t>& runs,
                    ProgressCounter* progress, const std::atomic<bool>* cancel) {
  const std::vector<std::size_t> metric_index = written_metrics(sweep, model);
  // One run per task: runs differ in length, and TBB's work stealing balances them; each run's
  // own phases run as nested parallel loops. A failed run stops the others between steps.
  for_each_task(runs.size(), [&](std::size_t k, const std::atomic<bool>& stop) {
    execute_run(model, sweep, scenarios, store, subfolder, metric_index, runs[k], progress, cancel,
                &stop);
  });
}

void assemble_and_tidy(const Model& model, const SweepStore& store, const SweepOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  store.assemble(options.output, model, options.command_line);
  if (!options.keep_runs) fs::remove_all(store.folder());
  if (!options.quiet) {
    fmt::print(stderr, "assembled {} in {:.2f} s{}\n", options.output, seconds_since(start),
               options.keep_runs ? fmt::format("; runs kept in {}", store.folder()) : "");
  }
}

bool launched_by_mpi() {
  constexpr std::array<const char*, 3> kLauncherVariables{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                                                          "PMIX_RANK"};
  return std::ranges::any_of(kLauncherVariables,
                             [](const char* name) { return std::getenv(name) != nullptr; });
}

void refuse_unjoined_srun_tasks(std::string_view what, int mpi_ranks) {
  const char* step_tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  const std::optional<long> tasks =
      step_tasks == nullptr ? std::nullopt : parse_whole<long>(step_tasks);
  if (!tasks || *tasks <= 1 || mpi_ranks != 1) return;
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* size = std::getenv(name);
    if (size != nullptr && std::string_view(size) == "1") return;
  }
  throw InputError({"<command line>", 0, 0}, "",
                   fmt::format("srun started {} tasks, but MPI sees each as a job of 1 rank: the "
                               "MPI library did not join them, and each would run the whole {}. "
                               "Give srun the MPI plugin your MPI speaks (srun --mpi=pmix for "
                               "Open MPI, --mpi=pmi2 for MPICH; srun --mpi=list lists them), "
                               "start the ranks with mpirun, or run one task (srun -n 1)",
                               *tasks, what));
}

void run_sweep(const Model& model, const SweepDefinition& sweep, const SweepOptions& options) {
  // A shard writes no result file, only its runs; the merge checks the output.
  check_output_path(options.output, options.force || options.shards > 0);
  if (!launched_by_mpi()) refuse_unjoined_srun_tasks("sweep", 1);
  if (launched_by_mpi()) {
    if (options.shards > 0) {
      // Every rank would run the same shard into the same folder.
      throw InputError({"<command line>", 0, 0}, "--shard",
                       "a shard is one process's share; under mpirun the ranks share the runs "
                       "themselves: drop --shard, or run the shard without mpirun");
    }
#if CLUSTERSIM_WITH_MPI
    sweep_over_mpi(model, sweep, options);
    return;
#else
    throw InputError({"<command line>", 0, 0}, "",
                     "this clustersim was built without MPI (CMake found no MPI library), yet an "
                     "MPI launcher started it: run the sweep without mpirun, or in shards");
#endif
  }
  const SweepStore store(runs_folder_of(options.output), sweep);
  const std::string subfolder = subfolder_of(options);
  store.remove_leftovers(subfolder);
  const std::vector<std::size_t> runs = pending_runs(store.finished(), options);
  const std::size_t mine = count_mine(sweep.points.size() * sweep.replicates, options);
  const int threads = used_threads(options.threads);
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
  print_header(sweep, options, mine, runs.size(), threads);
  const std::vector<Scenario> scenarios = point_scenarios(sweep, model);

  const auto start = std::chrono::steady_clock::now();
  {
    ProgressCounter counter;
    counter.replicates_name = "runs";
    counter.total_replicates = static_cast<long>(runs.size());
    for (std::size_t i : runs) {
      counter.total_steps += scenarios[i / sweep.replicates].calendar().steps();
    }
    ProgressPrinter printer(counter,
                            options.quiet ? ProgressStyle::Quiet : default_progress_style(stderr));
    run_sweep_runs(model, sweep, scenarios, store, subfolder, runs, &counter, options.cancel);
  }
  const double seconds = seconds_since(start);
  if (!options.quiet) {
    fmt::print(
        stderr, "{}ran {} runs in {:.2f} s ({:.2f} runs/s)\n",
        options.shards > 0 ? fmt::format("shard {}/{}: ", options.shard, options.shards) : "",
        runs.size(), seconds, seconds > 0 ? static_cast<double>(runs.size()) / seconds : 0.0);
  }
  if (options.shards > 0) {
    if (!options.quiet) {
      fmt::print(stderr, "runs are in {}/{}; when every shard is done: clustersim merge {} -o {}\n",
                 store.folder(), subfolder, store.folder(), options.output);
    }
    return;
  }
  assemble_and_tidy(model, store, options);
}

void merge_sweep(const Model& model, const std::string& folder, const std::string& output,
                 bool force, const std::string& command_line) {
  check_output_path(output, force);
  const SweepDefinition sweep = SweepStore::read_manifest(folder);
  const SweepStore store(folder, sweep);
  const auto start = std::chrono::steady_clock::now();
  store.assemble(output, model, command_line);
  fmt::print(stderr, "merged {} points x {} replicates from {} into {} in {:.2f} s\n",
             sweep.points.size(), sweep.replicates, folder, output, seconds_since(start));
}

}  // namespace sim
