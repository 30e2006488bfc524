#include "sim/sweep/mpi.hpp"

#include <mpi.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"
#include "sim/run/ensemble.hpp"

namespace sim {
namespace {

// Messages, each one int64: a rank asks for a run, saying how many it finished since it last
// asked; rank 0 answers with a run index, or kNoMoreRuns; a rank that got kNoMoreRuns and
// finished its runs reports how many it ran in all.
constexpr int kRequestTag = 1;
constexpr int kRunTag = 2;
constexpr int kDoneTag = 3;
constexpr std::int64_t kNoMoreRuns = -1;
// How long a rank's main thread sleeps when it has nothing to do: short beside runs of
// seconds, long enough not to spin a core.
constexpr auto kIdle = std::chrono::milliseconds(1);

void send(std::int64_t value, int to, int tag) {
  MPI_Send(&value, 1, MPI_INT64_T, to, tag, MPI_COMM_WORLD);
}

std::int64_t receive(int from, int tag, int* source = nullptr) {
  std::int64_t value = 0;
  MPI_Status status;
  MPI_Recv(&value, 1, MPI_INT64_T, from, tag, MPI_COMM_WORLD, &status);
  if (source != nullptr) *source = status.MPI_SOURCE;
  return value;
}

// Up to `threads` runs in flight on this rank's own TBB arena, started one at a time by the
// rank's main thread, which stays free for MPI (MPI_THREAD_FUNNELED).
class RunPool {
 public:
  explicit RunPool(int threads)
      : threads_(threads),
        // Workers for every slot: the main thread never joins the arena.
        workers_(tbb::global_control::max_allowed_parallelism,
                 static_cast<std::size_t>(threads) + 1),
        arena_(threads, 0) {}

  bool has_room() const { return in_flight_.load() < threads_ && !failed_.load(); }
  bool failed() const { return failed_.load(); }
  long finished() const { return finished_.load(); }

  template <typename Run>
  void start(Run run) {
    ++in_flight_;
    arena_.execute([&] {
      group_.run([this, run] {
        try {
          run();
          ++finished_;
        } catch (...) {
          const std::lock_guard lock(mutex_);
          if (!error_) error_ = std::current_exception();
          failed_ = true;
        }
        --in_flight_;
      });
    });
  }

  // Waits for the runs in flight; rethrows the first failure.
  void wait() {
    arena_.execute([&] { group_.wait(); });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  int threads_;
  tbb::global_control workers_;
  tbb::task_arena arena_;
  tbb::task_group group_;
  std::atomic<int> in_flight_{0};
  std::atomic<long> finished_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

// Threads for each rank: all this rank may use when the launcher bound it to its cores, else
// the node's cores shared among the ranks on the node.
int threads_per_rank(int requested) {
  if (requested > 0) return requested;
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int local_ranks = 1;
  MPI_Comm_size(node, &local_ranks);
  MPI_Comm_free(&node);
  const int usable = tbb::info::default_concurrency();
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  if (usable < cores) return usable;  // bound by the launcher
  return std::max(1, cores / std::max(1, local_ranks));
}

// Ends the whole job from any rank: a failed run cannot be left half-done across ranks.
[[noreturn]] void abort_job(int rank, const std::exception& e, bool cancelled) {
  fmt::print(stderr, "rank {}: {}{}\n", rank, cancelled ? "" : "error: ", e.what());
  if (cancelled) {
    fmt::print(stderr, "rank {}: finished runs are kept; run the same command to resume\n", rank);
  }
  MPI_Abort(MPI_COMM_WORLD, cancelled ? 130 : kExitFailure);
  std::abort();  // MPI_Abort does not return
}

struct Context {
  const Model& model;
  const SweepDefinition& sweep;
  const SweepOptions& options;
  const SweepStore& store;
  const std::vector<Scenario>& scenarios;
  std::vector<std::size_t> metric_index;
  std::string subfolder;
};

void run_in(RunPool& pool, const Context& c, std::size_t run, ProgressCounter* progress) {
  pool.start([&c, run, progress] {
    execute_run(c.model, c.sweep, c.scenarios, c.store, c.subfolder, c.metric_index, run, progress,
                c.options.cancel);
  });
}

// A rank other than 0: asks for runs while it has room for one, until told there are no more.
void serve_runs(const Context& c, int threads) {
  RunPool pool(threads);
  long reported = 0;
  while (true) {
    if (!pool.has_room()) {
      if (pool.failed()) break;
      std::this_thread::sleep_for(kIdle);
      continue;
    }
    const long finished = pool.finished();
    send(finished - reported, 0, kRequestTag);
    reported = finished;
    const std::int64_t run = receive(0, kRunTag);
    if (run == kNoMoreRuns) break;
    run_in(pool, c, static_cast<std::size_t>(run), nullptr);
  }
  pool.wait();
  send(pool.finished(), 0, kDoneTag);
}

// Rank 0: hands out the pending runs one by one, to the ranks that ask and to its own pool,
// until every rank has reported that it is done. Returns the runs each rank ran.
std::vector<long> dispatch_runs(const Context& c, int threads, int ranks,
                                const std::vector<std::size_t>& pending,
                                ProgressCounter& progress) {
  RunPool pool(threads);
  std::vector<long> ran(static_cast<std::size_t>(ranks), 0);
  std::size_t next = 0;
  int ranks_done = 1;  // rank 0 counts itself done when its pool is
  const long steps = c.scenarios.empty() ? 0 : c.scenarios.front().calendar().steps();
  while (ranks_done < ranks || next < pending.size()) {
    bool busy = false;
    if (pool.has_room() && next < pending.size()) {
      run_in(pool, c, pending[next++], &progress);
      busy = true;
    }
    int waiting = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &waiting, &status);
    if (waiting != 0) {
      busy = true;
      int source = 0;
      const std::int64_t value = receive(status.MPI_SOURCE, status.MPI_TAG, &source);
      if (status.MPI_TAG == kRequestTag) {
        progress.replicates_done += static_cast<long>(value);
        progress.steps_done += static_cast<long>(value) * steps;
        const bool any = next < pending.size();
        send(any ? static_cast<std::int64_t>(pending[next]) : kNoMoreRuns, source, kRunTag);
        if (any) ++next;
      } else {
        ran[static_cast<std::size_t>(source)] = static_cast<long>(value);
        ++ranks_done;
      }
    }
    if (pool.failed()) break;
    if (!busy) std::this_thread::sleep_for(kIdle);
  }
  pool.wait();
  ran[0] = pool.finished();
  // Progress counted each rank's runs as they asked for more; add the runs of their last asks.
  long total = 0;
  for (long n : ran) total += n;
  progress.steps_done += (total - progress.replicates_done.load()) * steps;
  progress.replicates_done = total;
  return ran;
}

void report(const std::vector<long>& ran, double seconds, const SweepOptions& options) {
  if (options.quiet) return;
  long total = 0;
  std::vector<std::string> parts;
  for (std::size_t r = 0; r < ran.size(); ++r) {
    total += ran[r];
    parts.push_back(fmt::format("rank {} ran {}", r, ran[r]));
  }
  fmt::print(stderr, "sweep on {} MPI ranks: {}; {} runs in {:.2f} s ({:.2f} runs/s)\n", ran.size(),
             fmt::join(parts, ", "), total, seconds,
             seconds > 0 ? static_cast<double>(total) / seconds : 0.0);
}

// MPI is started for the sweep and finished however it ends.
class MpiSession {
 public:
  MpiSession() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    if (provided < MPI_THREAD_FUNNELED) {
      // Runs go on worker threads while the main thread talks MPI.
      fmt::print(stderr,
                 "rank {}: this MPI library does not support threads (MPI_THREAD_FUNNELED)\n",
                 rank_);
      MPI_Abort(MPI_COMM_WORLD, kExitFailure);
    }
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession() { MPI_Finalize(); }
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace

void sweep_over_mpi(const Model& model, const SweepDefinition& sweep, const SweepOptions& options) {
  // Every rank checks the folder and builds the points before MPI starts, so bad input ends
  // every rank the same way (exit 2) without a half-started job.
  const SweepStore store(runs_folder_of(options.output), sweep);
  const std::vector<Scenario> scenarios = point_scenarios(sweep, model);
  const MpiSession mpi;
  const Context context{model,
                        sweep,
                        options,
                        store,
                        scenarios,
                        written_metrics(sweep, model),
                        fmt::format("rank-{}", mpi.rank())};
  store.remove_leftovers(context.subfolder);
  const int threads = threads_per_rank(options.threads);
  try {
    if (mpi.rank() != 0) {
      serve_runs(context, threads);
      return;
    }
    std::vector<std::size_t> pending;
    const std::vector<bool> finished = store.finished();
    for (std::size_t i = 0; i < finished.size(); ++i) {
      if (!finished[i]) pending.push_back(i);
    }
    if (!options.quiet) {
      fmt::print(stderr,
                 "clustersim {}: sweep {} ({} design, {} points x {} replicates = {} runs) on {} "
                 "MPI ranks, {} threads each\n",
                 clustersim_version(), sweep.path, method_name(sweep.method), sweep.points.size(),
                 sweep.replicates, finished.size(), mpi.size(), threads);
      if (pending.size() < finished.size()) {
        fmt::print(stderr, "resuming: {} of {} runs already finished in {}\n",
                   finished.size() - pending.size(), finished.size(), store.folder());
      }
    }
    const auto start = std::chrono::steady_clock::now();
    std::vector<long> ran;
    {
      ProgressCounter counter;
      counter.replicates_name = "runs";
      counter.total_replicates = static_cast<long>(pending.size());
      counter.total_steps = static_cast<long>(pending.size()) *
                            (scenarios.empty() ? 0 : scenarios.front().calendar().steps());
      ProgressPrinter printer(
          counter, options.quiet ? ProgressStyle::Quiet : default_progress_style(stderr));
      ran = dispatch_runs(context, threads, mpi.size(), pending, counter);
    }
    report(ran, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
           options);
    assemble_and_tidy(model, store, options);
  } catch (const Cancelled& e) {
    abort_job(mpi.rank(), e, true);
  } catch (const std::exception& e) {
    abort_job(mpi.rank(), e, false);
  }
}

}  // namespace sim
