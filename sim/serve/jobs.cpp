#include "sim/serve/jobs.hpp"

#include <tbb/task_arena.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <initializer_list>

#include "sim/io/posterior_draws.hpp"
#include "sim/io/result_file.hpp"
#include "sim/serve/summary.hpp"
#include "sim/sweep/reading.hpp"

namespace sim::serve {
namespace {

// How often a running job publishes a partial summary.
constexpr auto kSummaryInterval = std::chrono::milliseconds(250);

}  // namespace

namespace {

// FNV-1a 64 of resolved scenarios and the build that runs them, in hex: what names a result.
std::string results_key(std::initializer_list<const Scenario*> scenarios) {
  Fnv1a hash;
  for (const Scenario* scenario : scenarios) hash.text(scenario->resolved_yaml());
  hash.text(clustersim_version());
  hash.text(git_commit());
  return fmt::format("{:016x}", hash.value());
}

}  // namespace

std::string job_key(const JobSpec& spec) {
  return results_key({&spec.run, &spec.counterfactual});
}

std::string counterfactual_key(const JobSpec& spec) {
  return results_key({&spec.counterfactual});
}

double job_bytes(const Model& model, const Scenario& run) {
  return 2.0 * 8.0 * static_cast<double>(model.metrics().size()) * run.replicates() *
         run.calendar().steps() * static_cast<double>(run.clusters().size());
}

const char* state_name(JobState state) {
  switch (state) {
    case JobState::running:
      return "running";
    case JobState::done:
      return "done";
    case JobState::failed:
      return "failed";
    case JobState::cancelled:
      return "cancelled";
  }
  return "?";
}

Job::Job(const Model& model, JobSpec spec, std::string key, const EnsembleResult* counterfactual)
    : model_(model),
      spec_(std::move(spec)),
      key_(std::move(key)),
      counterfactual_key_(serve::counterfactual_key(spec_)) {
  if (counterfactual != nullptr) {
    counterfactual_ = *counterfactual;
    counterfactual_known_ = true;
  }
  thread_ = std::thread([this] { execute(); });
}

Job::~Job() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

JobState Job::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

nlohmann::json Job::wait_for_update(std::uint64_t& seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  updated_.wait_for(lock, timeout, [&] { return updates_ > seen; });
  seen = updates_;
  nlohmann::json out = {{"state", state_name(state_)},
                        {"key", key_},
                        {"replicates_done", done_.size()},
                        {"replicates", spec_.run.replicates()},
                        {"counterfactual_reused", counterfactual_known_}};
  if (!error_.empty()) out["error"] = error_;
  if (!summary_.is_null()) out["summary"] = summary_;
  return out;
}

void Job::publish(nlohmann::json summary, std::optional<JobState> end, const std::string& error) {
  {
    const std::lock_guard lock(mutex_);
    if (!summary.is_null()) summary_ = std::move(summary);
    if (end) state_ = *end;
    error_ = error;
    ++updates_;
  }
  updated_.notify_all();
}

nlohmann::json Job::partial_summary(const std::vector<std::size_t>& done) {
  std::vector<std::size_t> order = done;
  std::sort(order.begin(), order.end());
  EnsembleResult run, counterfactual;
  run.metrics = select_replicates(run_.metrics, order);
  counterfactual.metrics = select_replicates(counterfactual_.metrics, order);
  run.goals = model_.evaluate_goals(spec_.run, run.metrics);
  attach_comparison(model_, spec_.run, run, spec_.counterfactual, counterfactual);
  return summarise(model_, run, counterfactual);
}

// Replicate r of the run and of the counterfactual are tasks 2r and 2r + 1, so that the pairs a
// partial summary needs finish together; with the counterfactual known, task r is the run's.
void Job::simulate() {
  const auto replicates = static_cast<std::size_t>(spec_.run.replicates());
  const auto steps = static_cast<std::size_t>(spec_.run.calendar().steps());
  const std::size_t clusters = spec_.run.clusters().size();
  const std::size_t metrics = model_.metrics().size();
  const ReplicateOverrides draws = replicate_overrides(spec_.run);
  const Scenario* scenarios[2] = {&spec_.run, &spec_.counterfactual};
  EnsembleResult* results[2] = {&run_, &counterfactual_};
  std::vector<std::vector<Scenario>> own(2);
  std::unique_ptr<PreparedModel> prepared[2];
  std::vector<int> snapshot_steps[2];
  std::vector<std::vector<Snapshot>> taken[2];
  const std::size_t halves = counterfactual_known_ ? 1 : 2;
  for (std::size_t half = 0; half < halves; ++half) {
    results[half]->metrics = MetricsArray(metrics, replicates, steps, clusters);
    for (std::size_t r = 0; r < draws.size(); ++r) {
      own[half].push_back(replicate_scenario(*scenarios[half], draws, r));
    }
    if (draws.empty()) prepared[half] = model_.prepare(*scenarios[half]);
    snapshot_steps[half] = model_.snapshot_steps(*scenarios[half]);
    taken[half].assign(snapshot_steps[half].size(), std::vector<Snapshot>(replicates));
  }
  const auto start = std::chrono::steady_clock::now();
  for_each_task(halves * replicates, [&](std::size_t task, const std::atomic<bool>& stop) {
    const std::size_t r = task / halves;
    const std::size_t half = task % halves;
    RunControl control;
    control.cancel = &cancel_;
    control.stop = &stop;
    std::vector<Snapshot> mine;
    // Isolated, a thread waiting inside this replicate's parallel phases helps only them and
    // starts no other replicate: replicates then finish one pair after another, and the first
    // figures come early, instead of all of them at once near the end.
    tbb::this_task_arena::isolate([&] {
      if (prepared[half] != nullptr) {
        run_replicate(*prepared[half], r, results[half]->metrics, r, control, snapshot_steps[half],
                      mine);
      } else {
        run_replicate(*model_.prepare(own[half][r]), r, results[half]->metrics, r, control,
                      snapshot_steps[half], mine);
      }
    });
    for (std::size_t k = 0; k < mine.size(); ++k) taken[half][k][r] = std::move(mine[k]);
    const std::lock_guard lock(mutex_);
    finished_[task] = 1;
    if (halves == 1 || finished_[task ^ 1U] != 0) done_.push_back(r);
  });
  for (std::size_t half = 0; half < halves; ++half) {
    for (std::size_t k = 0; k < snapshot_steps[half].size(); ++k) {
      results[half]->snapshots.push_back(stack_snapshots(snapshot_steps[half][k], taken[half][k]));
    }
    results[half]->goals = model_.evaluate_goals(*scenarios[half], results[half]->metrics);
    results[half]->wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  attach_comparison(model_, spec_.run, run_, spec_.counterfactual, counterfactual_);
}

void Job::execute() {
  finished_.assign(2 * static_cast<std::size_t>(spec_.run.replicates()), 0);
  std::exception_ptr failure;
  std::atomic<bool> simulated{false};
  std::thread worker([&] {
    try {
      simulate();
    } catch (...) {
      failure = std::current_exception();
    }
    simulated.store(true);
    updated_.notify_all();
  });
  std::size_t summarised = 0;
  while (!simulated.load()) {
    std::vector<std::size_t> done;
    {
      std::unique_lock lock(mutex_);
      updated_.wait_for(lock, kSummaryInterval);
      done = done_;
    }
    if (simulated.load() || done.size() == summarised || cancel_.load()) continue;
    summarised = done.size();
    publish(partial_summary(done), std::nullopt, "");
  }
  worker.join();
  try {
    if (failure) std::rethrow_exception(failure);
    publish(summarise(model_, run_, counterfactual_), JobState::done, "");
  } catch (const Cancelled&) {
    publish(nullptr, JobState::cancelled, "");
  } catch (const std::exception& e) {
    publish(nullptr, JobState::failed, e.what());
  }
}

std::shared_ptr<Job> JobBoard::submit(const std::string& client, JobSpec spec) {
  const std::string key = job_key(spec);
  const std::lock_guard lock(mutex_);
  want(client, key);
  auto found = jobs_.find(key);
  // A job cancelled (perhaps still winding down) or failed is run afresh.
  if (found != jobs_.end() &&
      (found->second->cancelled() || found->second->state() == JobState::failed)) {
    jobs_.erase(found);
    found = jobs_.end();
  }
  std::shared_ptr<Job> job;
  if (found != jobs_.end()) {
    job = found->second;
  } else {
    const auto running = std::count_if(jobs_.begin(), jobs_.end(), [](const auto& entry) {
      return entry.second->state() == JobState::running && !entry.second->cancelled();
    });
    if (static_cast<std::size_t>(running) >= max_running_) return nullptr;
    // A finished job with the same counterfactual lends its ensemble: a lever change then
    // simulates only the run.
    const std::string shared = counterfactual_key(spec);
    const auto donor = std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& entry) {
      return entry.second->state() == JobState::done &&
             entry.second->counterfactual_key() == shared;
    });
    job = std::make_shared<Job>(
        model_, std::move(spec), key,
        donor != jobs_.end() ? &donor->second->counterfactual_result() : nullptr);
    jobs_[key] = job;
  }
  recent_.remove(key);
  recent_.push_front(key);
  trim();
  return job;
}

// Records that `client` now wants the job `key`, and cancels the job it wanted before when no
// other client wants that one.
void JobBoard::want(const std::string& client, const std::string& key) {
  const auto previous = wanted_by_.find(client);
  const std::string before = previous != wanted_by_.end() ? previous->second : "";
  if (wanted_by_.size() >= kMaxClients && previous == wanted_by_.end()) {
    wanted_by_.erase(wanted_by_.begin());
  }
  wanted_by_[client] = key;
  if (before.empty() || before == key) return;
  const bool still_wanted = std::any_of(wanted_by_.begin(), wanted_by_.end(),
                                        [&](const auto& entry) { return entry.second == before; });
  const auto old = jobs_.find(before);
  if (!still_wanted && old != jobs_.end() && old->second->state() == JobState::running) {
    old->second->cancel();
  }
}

std::shared_ptr<Job> JobBoard::find(const std::string& key) {
  const std::lock_guard lock(mutex_);
  const auto found = jobs_.find(key);
  return found == jobs_.end() ? nullptr : found->second;
}

void JobBoard::cancel_all() {
  const std::lock_guard lock(mutex_);
  for (const auto& [key, job] : jobs_) job->cancel();
}

// Drops the least recently used jobs beyond the max_kept most recent and beyond max_kept_bytes
// of metrics; a running job counts but is never dropped.
void JobBoard::trim() {
  std::size_t kept = 0;
  double bytes = 0.0;
  for (auto it = recent_.begin(); it != recent_.end();) {
    const auto job = jobs_.find(*it);
    if (job == jobs_.end()) {
      it = recent_.erase(it);
      continue;
    }
    bytes += job_bytes(model_, job->second->spec().run);
    const bool over = ++kept > max_kept_ || bytes > max_kept_bytes_;
    if (over && job->second->state() != JobState::running) {
      jobs_.erase(job);
      it = recent_.erase(it);
      continue;
    }
    ++it;
  }
}

}  // namespace sim::serve
