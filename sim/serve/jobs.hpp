// The web app's ensembles: one job per resolved scenario pair (run and counterfactual), run on
// a thread of its own with partial summaries as replicates finish, cancelled when no client
// wants it any more, and kept in an exact cache once finished (runs are bit-reproducible, so a
// job's key, a hash of both resolved scenarios and the build, names its results).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/run/ensemble.hpp"

namespace sim::serve {

// What a job runs: the scenario, its counterfactual, and how the command line says it.
struct JobSpec {
  Scenario run;
  Scenario counterfactual;
  std::vector<std::string> sets;          // --set of the run
  std::vector<std::string> compare_sets;  // --compare-set of the counterfactual (assumptions)
  std::string command;                    // the equivalent `clustersim run` line
};

// The key of a spec: FNV-1a 64 of both resolved scenarios, the version and the commit, in hex.
std::string job_key(const JobSpec& spec);
// The key of its counterfactual alone: jobs that differ only in levers share it.
std::string counterfactual_key(const JobSpec& spec);

// The bytes a job's metrics take: the ensemble's and its counterfactual's.
double job_bytes(const Model& model, const Scenario& run);

enum class JobState { running, done, failed, cancelled };
const char* state_name(JobState state);

class Job {
 public:
  // `counterfactual`, when given, is the finished ensemble of this job's counterfactual (from
  // another job with the same counterfactual key): it is copied, and only the run is simulated.
  Job(const Model& model, JobSpec spec, std::string key,
      const EnsembleResult* counterfactual = nullptr);
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  ~Job();

  const std::string& key() const { return key_; }
  const std::string& counterfactual_key() const { return counterfactual_key_; }
  const JobSpec& spec() const { return spec_; }
  void cancel() { cancel_.store(true); }
  bool cancelled() const { return cancel_.load(); }

  // The job's state as JSON ({state, key, replicates_done, replicates, counterfactual_reused,
  // error?, summary?}) once
  // its update count passes `seen`, or after `timeout` with the current one; `seen` becomes
  // the update count returned.
  nlohmann::json wait_for_update(std::uint64_t& seen, std::chrono::milliseconds timeout);
  JobState state() const;
  // The finished run and counterfactual; only once state() is done.
  const EnsembleResult& result() const { return run_; }
  const EnsembleResult& counterfactual_result() const { return counterfactual_; }

 private:
  void execute();
  void simulate();
  void publish(nlohmann::json summary, std::optional<JobState> end, const std::string& error);
  nlohmann::json partial_summary(const std::vector<std::size_t>& done);

  const Model& model_;
  JobSpec spec_;
  std::string key_, counterfactual_key_;
  bool counterfactual_known_ = false;
  std::atomic<bool> cancel_{false};
  EnsembleResult run_, counterfactual_;
  std::vector<std::vector<Snapshot>> run_snapshots_;  // [snapshot step][replicate]

  mutable std::mutex mutex_;
  std::condition_variable updated_;
  std::uint64_t updates_ = 0;
  JobState state_ = JobState::running;
  std::string error_;
  nlohmann::json summary_;
  std::vector<char> finished_;     // per task (replicate x {run, counterfactual})
  std::vector<std::size_t> done_;  // replicates with both halves finished, in order of finish
  std::thread thread_;
};

// Jobs by key: at most `max_running` at once (beyond them a submit is refused as busy), and the
// `max_kept` most recently asked for, within `max_kept_bytes` of metrics (running ones stay).
// Each client (a page) wants one job at a time; a job no client wants any more is cancelled.
class JobBoard {
 public:
  JobBoard(const Model& model, std::size_t max_running, std::size_t max_kept, double max_kept_bytes)
      : model_(model),
        max_running_(max_running),
        max_kept_(max_kept),
        max_kept_bytes_(max_kept_bytes) {}
  // The job of `spec` for `client`: the cached or running one with its key, else a new one.
  // Returns nullptr when max_running jobs are running.
  std::shared_ptr<Job> submit(const std::string& client, JobSpec spec);
  std::shared_ptr<Job> find(const std::string& key);
  void cancel_all();

  static constexpr std::size_t kMaxClients = 256;

 private:
  void want(const std::string& client, const std::string& key);
  void trim();

  const Model& model_;
  std::size_t max_running_, max_kept_;
  double max_kept_bytes_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::list<std::string> recent_;                 // keys, most recently used first
  std::map<std::string, std::string> wanted_by_;  // client -> key
};

}  // namespace sim::serve
