// Runs the replicates of an ensemble in parallel (TBB tasks; each replicate's phases are
// parallel loops nested inside) and gathers their metrics.
#pragma once

#include <atomic>
#include <functional>
#include <stdexcept>

#include "sim/core/errors.hpp"
#include "sim/core/progress.hpp"
#include "sim/run/model.hpp"

namespace sim {

struct EnsembleResult {
  MetricsArray metrics;  // [metric][replicate][step][cluster]
  GoalResults goals;
  std::vector<Snapshot> snapshots;  // per snapshot step, replicates stacked in order
  double wall_seconds = 0.0;
};

// What `clustersim bench` measures in one replicate: its phases' wall time and the agents it
// advanced (counted at the start of each step).
struct ReplicateProbe {
  PhaseTimes phases;
  double firm_steps = 0.0, researcher_steps = 0.0;
  double peak_firms = 0.0, peak_agents = 0.0;  // firms; firms + researchers
};

// What a caller can watch and steer while an ensemble runs.
struct RunControl {
  ProgressCounter* progress = nullptr;        // bumped once per replicate-step
  const std::atomic<bool>* cancel = nullptr;  // checked once per replicate-step
  // One per replicate slot when set: the replicates are timed and counted into them.
  std::vector<ReplicateProbe>* probes = nullptr;
  const std::atomic<bool>* stop = nullptr;  // raised when a sibling task failed
};

// Runs body(i, stop) for every i in [0, n) as parallel tasks, one index each. The first
// exception raises `stop` and is rethrown once every task has ended; bodies check `stop`
// between steps. No task is cancelled through TBB: that would cut the nested parallel loops of
// the tasks still running short, mid-phase, and leave their state half-updated.
void for_each_task(std::size_t n,
                   const std::function<void(std::size_t, const std::atomic<bool>& stop)>& body);

// Throws an InputError when the ensemble's results would not fit in memory.
void check_ensemble_fits(const Model& model, const Scenario& scenario);

// --- counterfactual runs ---------------------------------------------------------------------

// The overrides that put a counterfactual scenario on a run's calendar, seed and replicates, so
// that replicate r of each draws the same random numbers ("run.start=2014Q1", ...).
std::vector<std::string> counterfactual_overrides(const Scenario& run);

// Throws InputError (naming `file`) unless the counterfactual has the run's clusters, in order.
void check_same_clusters(const Scenario& run, const Scenario& counterfactual,
                         const std::string& file);

// Measures the run against its counterfactual (Model::compare) into run.goals, measures in name
// order as result files list them.
void attach_comparison(const Model& model, const Scenario& scenario, EnsembleResult& run,
                       const Scenario& counterfactual, const EnsembleResult& counterfactual_run);

// Stacks the replicates' snapshots of one step, adding a leading "replicate" column.
Snapshot stack_snapshots(int step, const std::vector<Snapshot>& per_replicate);

// Runs one replicate of a prepared scenario to the end of its calendar, writing its metrics to
// replicate slot `slot` of `out` (sized for the scenario) and taking a snapshot after each of
// `snapshot_steps`. Bumps control.progress once per step; throws Cancelled when asked to stop.
void run_replicate(const PreparedModel& prepared, std::uint64_t replicate, MetricsArray& out,
                   std::size_t slot, const RunControl& control,
                   const std::vector<int>& snapshot_steps, std::vector<Snapshot>& snapshots);

// Settings that differ by replicate: replicate r runs the scenario with overrides[r] applied
// (a calibration's posterior draws, sim/io/posterior_draws.hpp). Empty: every replicate runs
// the scenario as it is.
using ReplicateOverrides = std::vector<std::vector<std::string>>;

// The scenario replicate r runs: `scenario` itself, or it with overrides[r] applied (errors
// name the override).
Scenario replicate_scenario(const Scenario& scenario, const ReplicateOverrides& overrides,
                            std::size_t r);

// Runs replicates 0..scenario.replicates()-1. Each replicate's output depends only on the
// scenario (with its overrides), the seed and its index, never on scheduling.
EnsembleResult run_ensemble(const Model& model, const Scenario& scenario,
                            const RunControl& control = {},
                            const ReplicateOverrides& overrides = {});

}  // namespace sim
