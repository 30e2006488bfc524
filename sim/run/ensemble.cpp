#include "sim/run/ensemble.hpp"

#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>

#include "sim/config/memory.hpp"

namespace sim {

void check_ensemble_fits(const Model& model, const Scenario& scenario) {
  const std::size_t metrics = model.metrics().size();
  const auto replicates = static_cast<std::size_t>(scenario.replicates());
  const auto steps = static_cast<std::size_t>(scenario.calendar().steps());
  const std::size_t clusters = scenario.clusters().size();
  check_fits_in_memory(scenario, {"run.replicates", "run.end"},
                       8.0 * static_cast<double>(metrics * replicates * steps * clusters),
                       fmt::format("the ensemble's metrics ({} metrics x {} replicates x {} "
                                   "quarters x {} clusters)",
                                   metrics, replicates, steps, clusters));
}

std::vector<std::string> counterfactual_overrides(const Scenario& run) {
  return {
      fmt::format("run.start={}", quarter_label(run.calendar().first_quarter)),
      fmt::format("run.end={}", quarter_label(run.calendar().last_quarter)),
      fmt::format("run.replicates={}", run.replicates()),
      fmt::format("run.seed={}", run.seed()),
  };
}

void check_same_clusters(const Scenario& run, const Scenario& counterfactual,
                         const std::string& file) {
  const auto& a = run.clusters();
  const auto& b = counterfactual.clusters();
  bool same = a.size() == b.size();
  for (std::size_t c = 0; same && c < a.size(); ++c) same = a[c].id == b[c].id;
  if (!same) {
    throw InputError({file, 0, 0}, "world.clusters_file",
                     "the counterfactual must have the same clusters, in the same order, as the "
                     "run it is compared with");
  }
}

void attach_comparison(const Model& model, const Scenario& scenario, EnsembleResult& run,
                       const Scenario& counterfactual, const EnsembleResult& counterfactual_run) {
  run.goals.counterfactual = counterfactual.name();
  run.goals.comparison = model.compare(scenario, run.metrics, counterfactual_run.metrics);
  std::sort(run.goals.comparison.begin(), run.goals.comparison.end(),
            [](const auto& x, const auto& y) { return x.name < y.name; });
}

Snapshot stack_snapshots(int step, const std::vector<Snapshot>& per_replicate) {
  Snapshot out;
  out.step = step;
  for (const auto& s : per_replicate) {
    if (!s.label.empty()) out.label = s.label;
  }
  out.columns.emplace_back("replicate");
  for (const auto& s : per_replicate) {
    if (!s.columns.empty()) {
      out.columns.insert(out.columns.end(), s.columns.begin(), s.columns.end());
      break;
    }
  }
  out.values.resize(out.columns.size());
  for (std::size_t r = 0; r < per_replicate.size(); ++r) {
    const Snapshot& s = per_replicate[r];
    if (s.columns.empty()) continue;
    if (s.columns.size() + 1 != out.columns.size()) {
      throw std::logic_error("replicates' snapshots have different columns");
    }
    out.values[0].insert(out.values[0].end(), s.rows(), static_cast<double>(r));
    for (std::size_t c = 0; c < s.columns.size(); ++c) {
      out.values[c + 1].insert(out.values[c + 1].end(), s.values[c].begin(), s.values[c].end());
    }
  }
  return out;
}

void for_each_task(std::size_t n,
                   const std::function<void(std::size_t, const std::atomic<bool>& stop)>& body) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::exception_ptr first;
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, n, 1),
      [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          if (stop.load()) return;
          try {
            body(i, stop);
          } catch (...) {
            const std::lock_guard lock(mutex);
            if (!first) first = std::current_exception();
            stop = true;
          }
        }
      },
      tbb::simple_partitioner());
  if (first) std::rethrow_exception(first);
}

namespace {

void count_agents(const Replicate& state, ReplicateProbe& probe) {
  const AgentCounts now = state.agents();
  probe.firm_steps += now.firms;
  probe.researcher_steps += now.researchers;
  probe.peak_firms = std::max(probe.peak_firms, now.firms);
  probe.peak_agents = std::max(probe.peak_agents, now.firms + now.researchers);
}

}  // namespace

namespace {

// Replays a replicate that failed its end-of-step check at `failed_step` with the check after
// every phase, so that the error names the phase; the original error if the replay passes.
[[noreturn]] void name_the_phase(const PreparedModel& prepared, std::uint64_t replicate,
                                 std::size_t failed_step, const NumericalError& original) {
  auto state = prepared.start(replicate, StopFlags{});
  state->check_every_phase(true);
  for (std::size_t t = 0; t <= failed_step; ++t) state->step(static_cast<int>(t));
  throw original;
}

}  // namespace

namespace {

bool stop_requested(const RunControl& control) {
  return StopFlags{control.cancel, control.stop}.raised();
}

}  // namespace

void run_replicate(const PreparedModel& prepared, std::uint64_t replicate, MetricsArray& out,
                   std::size_t slot, const RunControl& control,
                   const std::vector<int>& snapshot_steps, std::vector<Snapshot>& snapshots) {
  // Checked before the starting state is drawn, so that no replicate starts after a stop.
  if (stop_requested(control)) throw Cancelled();
  if (control.progress != nullptr) ++control.progress->replicates_started;
  auto state = prepared.start(replicate, StopFlags{control.cancel, control.stop});
  ReplicateProbe* probe = control.probes != nullptr ? &(*control.probes)[slot] : nullptr;
  if (probe != nullptr) state->time_phases(&probe->phases);
  const std::size_t metrics = out.metrics(), clusters = out.clusters();
  std::vector<double> row(metrics * clusters);
  snapshots.clear();
  for (std::size_t t = 0; t < out.steps(); ++t) {
    if (stop_requested(control)) throw Cancelled();
    if (probe != nullptr) count_agents(*state, *probe);
    try {
      state->step(static_cast<int>(t));
    } catch (const NumericalError& e) {
      name_the_phase(prepared, replicate, t, e);
    }
    state->record(row);
    for (std::size_t m = 0; m < metrics; ++m) {
      for (std::size_t c = 0; c < clusters; ++c) out.at(m, slot, t, c) = row[m * clusters + c];
    }
    while (snapshots.size() < snapshot_steps.size() &&
           snapshot_steps[snapshots.size()] == static_cast<int>(t)) {
      snapshots.push_back(state->snapshot());
    }
    if (control.progress != nullptr) ++control.progress->steps_done;
  }
}

Scenario replicate_scenario(const Scenario& scenario, const ReplicateOverrides& overrides,
                            std::size_t r) {
  return Scenario::from_yaml(scenario.resolved_yaml(), scenario.source(), scenario.schema(),
                             LoadOptions{overrides.at(r)});
}

EnsembleResult run_ensemble(const Model& model, const Scenario& scenario, const RunControl& control,
                            const ReplicateOverrides& overrides) {
  ProgressCounter* progress = control.progress;
  const auto start = std::chrono::steady_clock::now();
  const auto replicates = static_cast<std::size_t>(scenario.replicates());
  const auto steps = static_cast<std::size_t>(scenario.calendar().steps());
  const std::size_t clusters = scenario.clusters().size();
  const std::size_t metrics = model.metrics().size();
  check_ensemble_fits(model, scenario);
  EnsembleResult result;
  result.metrics = MetricsArray(metrics, replicates, steps, clusters);
  if (progress != nullptr) {
    progress->total_steps = static_cast<long>(replicates * steps);
    progress->total_replicates = static_cast<long>(replicates);
  }
  if (!overrides.empty() && overrides.size() != replicates) {
    throw std::invalid_argument(
        fmt::format("{} replicate overrides for {} replicates", overrides.size(), replicates));
  }
  // With overrides, each replicate prepares its own scenario (checked here, before any runs).
  std::vector<Scenario> own;
  for (std::size_t r = 0; r < overrides.size(); ++r) {
    own.push_back(replicate_scenario(scenario, overrides, r));
  }
  const auto prepared = overrides.empty() ? model.prepare(scenario) : nullptr;
  const std::vector<int> snapshot_steps = model.snapshot_steps(scenario);
  // [snapshot][replicate]: each replicate fills its own slots; they are stacked afterwards.
  std::vector<std::vector<Snapshot>> taken(snapshot_steps.size(),
                                           std::vector<Snapshot>(replicates));
  for_each_task(replicates, [&](std::size_t r, const std::atomic<bool>& stop) {
    RunControl mine_control = control;
    mine_control.stop = &stop;
    std::vector<Snapshot> mine;
    if (prepared != nullptr) {
      run_replicate(*prepared, r, result.metrics, r, mine_control, snapshot_steps, mine);
    } else {
      run_replicate(*model.prepare(own[r]), r, result.metrics, r, mine_control, snapshot_steps,
                    mine);
    }
    for (std::size_t k = 0; k < mine.size(); ++k) taken[k][r] = std::move(mine[k]);
    if (progress != nullptr) ++progress->replicates_done;
  });
  for (std::size_t k = 0; k < snapshot_steps.size(); ++k) {
    result.snapshots.push_back(stack_snapshots(snapshot_steps[k], taken[k]));
  }
  result.goals = model.evaluate_goals(scenario, result.metrics);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sim
