#include "sim/sweep/mpi.hpp"

#include <mpi.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/core/errors.hpp"
#include "sim/io/result_file.hpp"
#include "sim/run/ensemble.hpp"

namespace sim {
namespace {

// The protocol between rank 0, which hands out runs (and runs some itself), and the other ranks,
// the workers. Every message is one int64 but kStoppingTag's, which is text. A worker receives
// only from rank 0 and with MPI_ANY_TAG, so it sees rank 0's messages in the order they were
// sent.
//
//   worker -> 0   kRequestTag   asks for a run; the value: runs it finished since it last asked
//   0 -> worker   kRunTag       the answer to every ask: a run index, or kNoMoreRuns
//   worker -> 0   kStoppingTag  this worker must stop (a signal, a failed run, bad input): the
//                               text "<exit code> <message>"; sent at most once
//   0 -> worker   kStopTag      stop at the next run boundary; the value: the job's exit code;
//                               sent at most once, to the workers that have not reported done
//   worker -> 0   kDoneTag      the worker's runs have ended; the value: runs it finished in all
//   0 -> worker   kEndTag       the job's exit code (0: the result is assembled); the last one
//
// No rank waits for a message that will not come: every ask gets one answer; rank 0 serves
// messages until every worker has reported done; a worker reports done once its runs have
// ended, which they do (dropped between steps on a signal, finished otherwise); and rank 0 then
// sends every worker the job's end. Only a rank that dies leaves the others waiting, and
// mpirun then ends the job itself. The first reason to stop that rank 0 learns of (its own or
// a worker's) decides the exit code and whether the runs in hand are dropped (a signal) or
// finished (a failure, bad input); a rank's own signal drops its own runs in any case.
constexpr int kRequestTag = 1;
constexpr int kRunTag = 2;
constexpr int kDoneTag = 3;
constexpr int kStoppingTag = 4;
constexpr int kStopTag = 5;
constexpr int kEndTag = 6;
constexpr std::int64_t kNoMoreRuns = -1;
// How long a rank's main thread sleeps when it has nothing to do: short beside runs of
// seconds, long enough not to spin a core.
constexpr auto kIdle = std::chrono::milliseconds(1);

void send(std::int64_t value, int to, int tag) {
  MPI_Send(&value, 1, MPI_INT64_T, to, tag, MPI_COMM_WORLD);
}

std::int64_t receive(int from, int tag) {
  std::int64_t value = 0;
  MPI_Recv(&value, 1, MPI_INT64_T, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return value;
}

// The next message from `from` (any tag) if one has arrived: its tag, or 0 when none has.
int arrived(int from, MPI_Status& status) {
  int waiting = 0;
  MPI_Iprobe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &waiting, &status);
  return waiting != 0 ? status.MPI_TAG : 0;
}

// Why a rank, or the job, stops: the exit code (0: it does not stop), the rank the reason comes
// from, and what that rank has to say about it.
struct StopReason {
  int code = 0;
  int rank = -1;
  std::string message;

  bool by_signal() const { return code > 128; }
};

std::string signal_name(int code) {
  switch (code - 128) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return fmt::format("signal {}", code - 128);
  }
}

// A stop by the signal that raised the cancel flag: exit code 128 + signal.
StopReason signal_reason(int rank, const SweepOptions& options) {
  const int signal = options.stop_signal != nullptr ? options.stop_signal() : 0;
  const int code = 128 + (signal > 0 ? signal : SIGTERM);
  return {code, rank, fmt::format("stopped by {}", signal_name(code))};
}

// A failure as the command line reports it: bad input exits 2, anything else 1.
// `write_error` is raised for a WriteError: this rank must then end without HDF5's exit handler.
StopReason failure_reason(const std::exception_ptr& error, int rank, const SweepOptions& options,
                          bool& write_error) {
  try {
    std::rethrow_exception(error);
  } catch (const Cancelled&) {
    return signal_reason(rank, options);
  } catch (const InputError& e) {
    return {kExitBadInput, rank, e.what()};
  } catch (const WriteError& e) {
    write_error = true;
    return {kExitFailure, rank, fmt::format("error: {}", e.what())};
  } catch (const std::exception& e) {
    return {kExitFailure, rank, fmt::format("error: {}", e.what())};
  } catch (...) {
    return {kExitFailure, rank, "error: an unknown failure"};
  }
}

bool cancel_raised(const SweepOptions& options) {
  return options.cancel != nullptr && options.cancel->load();
}

// Up to `threads` runs in flight on this rank's own TBB arena, started one at a time by the
// rank's main thread, which stays free for MPI (MPI_THREAD_FUNNELED). A run stopped between
// steps (Cancelled: this rank's signal, or drop()) is dropped: nothing of it is written.
class RunPool {
 public:
  explicit RunPool(int threads)
      : threads_(threads),
        // Workers for every slot: the main thread never joins the arena.
        workers_(tbb::global_control::max_allowed_parallelism,
                 static_cast<std::size_t>(threads) + 1),
        arena_(threads, 0) {}
  RunPool(const RunPool&) = delete;
  RunPool& operator=(const RunPool&) = delete;
  ~RunPool() { wait(); }

  bool has_room() const { return in_flight_.load() < threads_ && !failed_.load(); }
  bool idle() const { return in_flight_.load() == 0; }
  bool failed() const { return failed_.load(); }
  long finished() const { return finished_.load(); }
  long dropped() const { return dropped_.load(); }
  // The first failure, once failed().
  std::exception_ptr error() {
    const std::lock_guard lock(mutex_);
    return error_;
  }
  // The runs in flight stop at their next step, unwritten.
  void drop() { drop_ = true; }

  // Starts run(stop), where `stop` is the flag drop() raises.
  template <typename Run>
  void start(Run run) {
    ++in_flight_;
    arena_.execute([&] {
      group_.run([this, run] {
        try {
          run(drop_);
          ++finished_;
        } catch (const Cancelled&) {
          ++dropped_;
        } catch (...) {
          const std::lock_guard lock(mutex_);
          if (!error_) error_ = std::current_exception();
          failed_ = true;
        }
        --in_flight_;
      });
    });
  }

  // Waits for the runs in flight.
  void wait() {
    arena_.execute([&] { group_.wait(); });
  }

 private:
  int threads_;
  tbb::global_control workers_;
  tbb::task_arena arena_;
  tbb::task_group group_;
  std::atomic<int> in_flight_{0};
  std::atomic<long> finished_{0};
  std::atomic<long> dropped_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> drop_{false};
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

struct Context {
  const Model& model;
  const SweepDefinition& sweep;
  const SweepOptions& options;
  const SweepStore& store;
  const std::vector<Scenario>& scenarios;
  std::vector<std::size_t> metric_index;
  std::string subfolder;
  int rank = 0;
};

// Starts a run on the pool; throws only when the task itself cannot be started.
void run_in(RunPool& pool, const Context& c, std::size_t run, ProgressCounter* progress) {
  pool.start([&c, run, progress](const std::atomic<bool>& drop) {
    execute_run(c.model, c.sweep, c.scenarios, c.store, c.subfolder, c.metric_index, run, progress,
                c.options.cancel, &drop);
  });
}

// A worker: asks for runs while it has room for one, until rank 0 has none left or says stop,
// or this rank must stop (its signal, a failed run), which it tells rank 0. On a signal, its
// own or another rank's, the runs in hand are dropped; after a failure they are finished.
// Returns the job's exit code, as rank 0 sends it at the end.
int serve_runs(const Context& c, RunPool& pool, StopReason mine, bool& write_error) {
  bool reported = false;  // kStoppingTag sent
  bool asked = false;     // an ask waits for its answer
  bool no_more = false;   // rank 0 has no more runs
  int told = 0;           // the job's exit code, once rank 0 said stop
  long finished_before = 0;
  const auto tell_rank_0 = [&] {
    if (mine.code == 0 || reported) return;
    const std::string text = fmt::format("{} {}", mine.code, mine.message);
    MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, kStoppingTag, MPI_COMM_WORLD);
    reported = true;
    if (mine.by_signal()) pool.drop();
  };
  while (true) {
    bool busy = false;
    if (mine.code == 0 && cancel_raised(c.options)) mine = signal_reason(c.rank, c.options);
    if (mine.code == 0 && pool.failed()) {
      mine = failure_reason(pool.error(), c.rank, c.options, write_error);
    }
    if (mine.code != 0 && !reported) {
      tell_rank_0();
      busy = true;
    }
    MPI_Status status;
    if (const int tag = arrived(0, status); tag != 0) {
      busy = true;
      const std::int64_t value = receive(0, tag);
      if (tag == kRunTag) {
        asked = false;
        if (value == kNoMoreRuns) {
          no_more = true;
        } else if (mine.code == 0 && told == 0) {
          try {
            run_in(pool, c, static_cast<std::size_t>(value), nullptr);
          } catch (...) {
            mine = failure_reason(std::current_exception(), c.rank, c.options, write_error);
          }
        }  // else dropped before it started: it stays unfinished, for the next start
      } else if (tag == kStopTag) {
        told = static_cast<int>(value);
        if (told > 128) pool.drop();
      }
    }
    const bool stopping = no_more || told != 0 || mine.code != 0;
    if (!stopping && !asked && pool.has_room()) {
      const long finished = pool.finished();
      send(finished - finished_before, 0, kRequestTag);
      finished_before = finished;
      asked = true;
      busy = true;
    }
    if (stopping && !asked && pool.idle()) break;
    if (!busy) std::this_thread::sleep_for(kIdle);
  }
  pool.wait();
  // A run that failed, or was dropped by this rank's signal, after the last look.
  if (mine.code == 0 && pool.failed()) {
    mine = failure_reason(pool.error(), c.rank, c.options, write_error);
  } else if (mine.code == 0 && pool.dropped() > 0 && cancel_raised(c.options)) {
    mine = signal_reason(c.rank, c.options);
  }
  tell_rank_0();
  send(pool.finished(), 0, kDoneTag);
  // The end; a stop that crossed this rank's report of done is passed over.
  while (true) {
    MPI_Status status;
    const int tag = arrived(0, status);
    if (tag == 0) {
      std::this_thread::sleep_for(kIdle);
      continue;
    }
    const std::int64_t value = receive(0, tag);
    if (tag == kEndTag) return static_cast<int>(value);
  }
}

// What rank 0's dispatch ends with: the runs each rank finished, and why the job stops (code 0:
// it does not, every run is finished).
struct Dispatch {
  std::vector<long> ran;
  StopReason stop;
};

// Rank 0: hands out the pending runs one by one, to the ranks that ask and to its own pool,
// until every worker has reported done. On the first reason to stop (its own signal or failed
// run, or one a worker reports) it hands out no more runs and tells every worker to stop.
Dispatch dispatch_runs(const Context& c, RunPool& pool, int ranks,
                       const std::vector<std::size_t>& pending, ProgressCounter& progress,
                       StopReason stop, bool& write_error) {
  std::vector<long> ran(static_cast<std::size_t>(ranks), 0);
  std::vector<bool> done(static_cast<std::size_t>(ranks), false);
  int working = ranks - 1;  // workers that have not reported done
  bool told = false;        // kStopTag sent
  std::size_t next = 0;
  const long steps = c.scenarios.empty() ? 0 : c.scenarios.front().calendar().steps();
  const auto decide = [&](StopReason reason) {
    if (stop.code != 0) return;  // the first reason stands
    stop = std::move(reason);
    if (stop.by_signal()) pool.drop();
  };
  if (stop.by_signal()) pool.drop();
  while (working > 0 || !pool.idle() || (stop.code == 0 && next < pending.size())) {
    bool busy = false;
    if (cancel_raised(c.options)) decide(signal_reason(0, c.options));
    if (pool.failed()) decide(failure_reason(pool.error(), 0, c.options, write_error));
    if (stop.code == 0 && pool.has_room() && next < pending.size()) {
      try {
        run_in(pool, c, pending[next++], &progress);
      } catch (...) {
        decide(failure_reason(std::current_exception(), 0, c.options, write_error));
      }
      busy = true;
    }
    MPI_Status status;
    if (const int tag = arrived(MPI_ANY_SOURCE, status); tag != 0) {
      busy = true;
      const int source = status.MPI_SOURCE;
      if (tag == kStoppingTag) {
        int length = 0;
        MPI_Get_count(&status, MPI_CHAR, &length);
        std::string text(static_cast<std::size_t>(std::max(length, 0)), '\0');
        MPI_Recv(text.data(), length, MPI_CHAR, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        const std::size_t space = text.find(' ');
        const int code = std::atoi(text.substr(0, space).c_str());
        decide({code > 0 ? code : kExitFailure, source,
                space == std::string::npos ? "" : text.substr(space + 1)});
      } else {
        const std::int64_t value = receive(source, tag);
        if (tag == kRequestTag) {
          progress.replicates_done += static_cast<long>(value);
          progress.steps_done += static_cast<long>(value) * steps;
          const bool any = stop.code == 0 && next < pending.size();
          send(any ? static_cast<std::int64_t>(pending[next]) : kNoMoreRuns, source, kRunTag);
          if (any) ++next;
        } else if (tag == kDoneTag) {
          ran[static_cast<std::size_t>(source)] = static_cast<long>(value);
          done[static_cast<std::size_t>(source)] = true;
          --working;
        }
      }
    }
    if (stop.code != 0 && !told) {
      for (int r = 1; r < ranks; ++r) {
        if (!done[static_cast<std::size_t>(r)]) send(stop.code, r, kStopTag);
      }
      told = true;
    }
    if (!busy) std::this_thread::sleep_for(kIdle);
  }
  pool.wait();
  ran[0] = pool.finished();
  // A run of rank 0 that failed, or was dropped by its signal, after the last look.
  if (pool.failed()) decide(failure_reason(pool.error(), 0, c.options, write_error));
  if (pool.dropped() > 0) decide(signal_reason(0, c.options));
  // Progress counted each rank's runs as they asked for more; add the runs of their last asks.
  long total = 0;
  for (long n : ran) total += n;
  progress.steps_done += (total - progress.replicates_done.load()) * steps;
  progress.replicates_done = total;
  return {ran, stop};
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

// Rank 0's message when the job stopped: why, where, what became of the runs, how to go on.
std::string stop_message(const StopReason& stop, int ranks, long finished, std::size_t runs,
                         const std::string& folder) {
  std::string out;
  std::string why;
  if (stop.by_signal()) {
    why = fmt::format("{} on rank {}; the runs in progress were dropped", signal_name(stop.code),
                      stop.rank);
  } else {
    out = fmt::format("rank {}: {}\n", stop.rank, stop.message);
    why = fmt::format("{} on rank {} (above); the other runs in progress were finished first",
                      stop.code == kExitBadInput ? "bad input found by a run" : "a failure",
                      stop.rank);
  }
  return out + fmt::format(
                   "sweep stopped on all {} MPI ranks: {}; {} of {} runs are finished and kept "
                   "in {}; {}run the same command to resume",
                   ranks, why, finished, runs, folder,
                   stop.by_signal() ? "" : "fix the cause, then ");
}

// MPI is started for the sweep and finished however it ends (never aborted: every rank leaves
// through MPI_Finalize), unless a job of many sweeps (MpiJob) started it: the sweep then
// borrows it, and the job finishes it.
class MpiSession {
 public:
  MpiSession() {
    int started = 0, provided = 0;
    MPI_Initialized(&started);
    owner_ = started == 0;
    if (owner_) {
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    } else {
      MPI_Query_thread(&provided);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    threads_ = provided >= MPI_THREAD_FUNNELED;
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession() {
    if (owner_) MPI_Finalize();
  }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Whether runs may go on worker threads while the main thread talks MPI (the same answer on
  // every rank: one MPI library).
  bool threads() const { return threads_; }

 private:
  int rank_ = 0, size_ = 1;
  bool threads_ = false;
  bool owner_ = true;
};

}  // namespace

MpiJob::MpiJob() {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiJob::~MpiJob() {
  MPI_Finalize();
}

void MpiJob::barrier() {
  MPI_Barrier(MPI_COMM_WORLD);
}

void sweep_over_mpi(const Model& model, const SweepDefinition& sweep, const SweepOptions& options) {
  // Every rank checks the folder and builds the points before MPI starts, so bad input ends
  // every rank the same way (exit 2) without a half-started job.
  const SweepStore store(runs_folder_of(options.output), sweep);
  const std::vector<Scenario> scenarios = point_scenarios(sweep, model);
  const MpiSession mpi;
  refuse_unjoined_srun_tasks("sweep", mpi.size());  // each rank alone: no other rank waits
  if (!mpi.threads()) {
    if (mpi.rank() == 0) {
      fmt::print(stderr,
                 "error: this MPI library does not support threads (MPI_THREAD_FUNNELED), which "
                 "an MPI sweep needs\n");
    }
    throw JobStopped(kExitFailure, false);
  }
  const Context context{model,
                        sweep,
                        options,
                        store,
                        scenarios,
                        written_metrics(sweep, model),
                        fmt::format("rank-{}", mpi.rank()),
                        mpi.rank()};
  const int threads = threads_per_rank(options.threads);
  RunPool pool(threads);
  bool write_error = false;  // this rank's failure was a WriteError
  // A failure before the runs (the folder, the finished runs) stops the job as a failed run
  // would.
  StopReason setup;
  try {
    store.remove_leftovers(context.subfolder);
  } catch (...) {
    setup = failure_reason(std::current_exception(), mpi.rank(), options, write_error);
  }
  if (mpi.rank() != 0) {
    const int code = serve_runs(context, pool, setup, write_error);
    if (code != kExitOk) throw JobStopped(code, write_error);
    return;
  }
  std::vector<std::size_t> pending;
  const std::size_t runs = sweep.points.size() * static_cast<std::size_t>(sweep.replicates);
  try {
    const std::vector<bool> finished = store.finished();
    for (std::size_t i = 0; i < finished.size(); ++i) {
      if (!finished[i]) pending.push_back(i);
    }
  } catch (...) {
    if (setup.code == 0) setup = failure_reason(std::current_exception(), 0, options, write_error);
    pending.clear();
  }
  const long already = setup.code == 0 ? static_cast<long>(runs - pending.size()) : 0;
  if (!options.quiet) {
    fmt::print(stderr,
               "clustersim {}: sweep {} ({} design, {} points x {} replicates = {} runs) on {} "
               "MPI ranks, {} threads each\n",
               clustersim_version(), sweep.path, method_name(sweep.method), sweep.points.size(),
               sweep.replicates, runs, mpi.size(), threads);
    if (already > 0) {
      fmt::print(stderr, "resuming: {} of {} runs already finished in {}\n", already, runs,
                 store.folder());
    }
  }
  const auto start = std::chrono::steady_clock::now();
  Dispatch dispatch;
  {
    ProgressCounter counter;
    counter.replicates_name = "runs";
    counter.total_replicates = static_cast<long>(pending.size());
    counter.total_steps = static_cast<long>(pending.size()) *
                          (scenarios.empty() ? 0 : scenarios.front().calendar().steps());
    ProgressPrinter printer(counter,
                            options.quiet ? ProgressStyle::Quiet : default_progress_style(stderr));
    dispatch = dispatch_runs(context, pool, mpi.size(), pending, counter, setup, write_error);
  }
  int code = dispatch.stop.code;
  std::string message;
  if (code == kExitOk) {
    report(dispatch.ran,
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
           options);
    try {
      assemble_and_tidy(model, store, options);
    } catch (...) {
      const StopReason failed = failure_reason(std::current_exception(), 0, options, write_error);
      code = failed.code;
      message = failed.message;
    }
  } else {
    long finished = already;
    for (long n : dispatch.ran) finished += n;
    message = stop_message(dispatch.stop, mpi.size(), finished, runs, store.folder());
  }
  if (code != kExitOk) {
    // Printed before MPI_Finalize, which may wait on a launcher that is ending the job.
    fmt::print(stderr, "{}\n", message);
    std::fflush(stderr);
  }
  for (int r = 1; r < mpi.size(); ++r) send(code, r, kEndTag);
  if (code != kExitOk) throw JobStopped(code, write_error);
}

}  // namespace sim
