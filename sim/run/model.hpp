// What the engine needs from a model: its settings, its metrics, a way to start one replicate,
// and its goals. The engine runs, stores and reports; the model holds the economics.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/core/zeroed.hpp"
#include "sim/run/goals.hpp"
#include "sim/run/metric_kind.hpp"

namespace sim {

struct MetricInfo {
  std::string name;
  std::string units;
  std::string description;
  MetricKind kind = MetricKind::Stock;  // how it adds up over quarters (metric_kind.hpp)
};

// Metrics of a whole ensemble: value(metric, replicate, step, cluster).
class MetricsArray {
 public:
  MetricsArray() = default;
  MetricsArray(std::size_t metrics, std::size_t replicates, std::size_t steps, std::size_t clusters)
      : metrics_(metrics),
        replicates_(replicates),
        steps_(steps),
        clusters_(clusters),
        data_(metrics * replicates * steps * clusters) {}

  std::size_t metrics() const { return metrics_; }
  std::size_t replicates() const { return replicates_; }
  std::size_t steps() const { return steps_; }
  std::size_t clusters() const { return clusters_; }

  double& at(std::size_t m, std::size_t r, std::size_t t, std::size_t c) {
    return data_.data()[((m * replicates_ + r) * steps_ + t) * clusters_ + c];
  }
  double at(std::size_t m, std::size_t r, std::size_t t, std::size_t c) const {
    return data_.data()[((m * replicates_ + r) * steps_ + t) * clusters_ + c];
  }
  // The [replicate, step, cluster] block of one metric.
  const double* metric(std::size_t m) const {
    return data_.data() + m * replicates_ * steps_ * clusters_;
  }
  double* metric(std::size_t m) { return data_.data() + m * replicates_ * steps_ * clusters_; }

 private:
  std::size_t metrics_ = 0, replicates_ = 0, steps_ = 0, clusters_ = 0;
  ZeroedDoubles data_;
};

// Per-agent state at one step, as named columns of equal length (e.g. firm sales), for the
// distributions a model's diagnostics compute. An ensemble's snapshot stacks its replicates'
// rows in replicate order, with a leading "replicate" column.
struct Snapshot {
  int step = 0;
  std::string label;  // the quarter, e.g. "2015Q4" (set when written or read)
  std::vector<std::string> columns;
  std::vector<std::vector<double>> values;  // values[column][row]
  std::size_t rows() const { return values.empty() ? 0 : values.front().size(); }
};

// Agents a replicate holds now. Researchers are persons, however the model stores them (the
// plan's model keeps them as counts per firm and per cluster pool, not one record each).
struct AgentCounts {
  double firms = 0.0;
  double researchers = 0.0;
};

// What one agent of a model's main kind costs in memory, piece by piece: its table's columns
// and the scratch sized by the agent count (for `clustersim bench`).
struct MemoryItem {
  std::string name;
  std::size_t bytes = 0;
  bool scratch = false;  // a per-step working array, not part of the agent's state
};

// Wall time of each phase of a replicate's steps, accumulated, for `clustersim bench`.
struct PhaseTimes {
  std::vector<std::string> names;  // in the order the phases run
  std::vector<double> seconds;     // same length as names
};

// The flags a replicate polls for a stop request (either raised: throw Cancelled). Either may
// be null.
struct StopFlags {
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool raised() const {
    return (cancel != nullptr && cancel->load(std::memory_order_relaxed)) ||
           (stop != nullptr && stop->load(std::memory_order_relaxed));
  }
};

// One stochastic replicate of a model, advanced a quarter at a time.
class Replicate {
 public:
  virtual ~Replicate() = default;
  // Advances by one step (step 0 is the run's first quarter).
  virtual void step(int step) = 0;
  // This step's metrics, out[metric * clusters + cluster].
  virtual void record(std::span<double> out) const = 0;
  // Per-agent state after the current step, for the steps Model::snapshot_steps names.
  virtual Snapshot snapshot() const { return {}; }
  // The agents it holds now (none known by default).
  virtual AgentCounts agents() const { return {}; }
  // Accumulates the wall time of each phase of the following steps into `times` (nullptr:
  // stop timing). Models without phases time nothing.
  virtual void time_phases(PhaseTimes* /*times*/) {}
  // Every step ends with a check of the state for NaN and infinity (NumericalError). This makes
  // the check run after every phase too, so that the error names the phase: the engine replays
  // a failed replicate with it on.
  virtual void check_every_phase(bool /*on*/) {}

  // Flags a model with phases polls between them, so that a stop request does not wait for
  // the end of a long quarter.
  void watch_stop(StopFlags flags) { stop_flags_ = flags; }

 protected:
  bool stop_requested() const { return stop_flags_.raised(); }

 private:
  StopFlags stop_flags_;
};

// A model bound to one validated scenario: what all replicates share (data read once, policy
// tables) and the factory of replicates.
class PreparedModel {
 public:
  virtual ~PreparedModel() = default;
  // The replicate refers to this object, which must outlive it. It watches `stop` from its
  // construction on: drawing a large world's starting state takes a second or more.
  virtual std::unique_ptr<Replicate> start(std::uint64_t replicate, StopFlags stop) const = 0;
};

// What `clustersim report` draws for a model (sim/report/report.hpp); empty names draw nothing.
struct ReportLayout {
  std::string fan_metric;    // drawn per cluster against the mark and the goals' deadlines
  std::string mark_setting;  // a number setting of the scenario, drawn as a line on those fans
  // Public money per lever (flows in yuan/quarter), summed over the run for "cost by lever".
  std::vector<std::string> cost_metrics;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const Schema& schema() const = 0;
  virtual const std::vector<MetricInfo>& metrics() const = 0;
  // Prepares a scenario for running; the scenario must outlive the result.
  virtual std::unique_ptr<PreparedModel> prepare(const Scenario& scenario) const = 0;
  // Goals of the plan, evaluated on a finished ensemble.
  virtual GoalResults evaluate_goals(const Scenario& scenario,
                                     const MetricsArray& metrics) const = 0;
  // Bytes per firm (or whatever agent the model counts as firms), item by item; empty when the
  // model does not say.
  virtual std::vector<MemoryItem> memory_per_firm() const { return {}; }
  // Steps after which every replicate takes a snapshot (none by default).
  virtual std::vector<int> snapshot_steps(const Scenario& /*scenario*/) const { return {}; }
  // Diagnostics of the snapshots of a result file, as text or JSON; empty when the model has
  // none.
  virtual std::string diagnostics(const std::vector<Snapshot>& /*snapshots*/, bool /*json*/) const {
    return {};
  }
  // Stylized facts of one run's firms (a calibration's targets): their names, units and
  // meaning, the steps at which a run whose facts are wanted takes its snapshots (whatever the
  // scenario's own snapshot settings), and their values from those snapshots, in facts()
  // order, NaN where a fact is undefined (too few firms). None by default.
  virtual const std::vector<MetricInfo>& facts() const {
    static const std::vector<MetricInfo> none;
    return none;
  }
  virtual std::vector<int> fact_steps(const Scenario& /*scenario*/) const { return {}; }
  virtual std::vector<double> fact_values(const std::vector<Snapshot>& /*snapshots*/) const {
    return {};
  }
  // Measures of a run against a counterfactual run of the same calendar, clusters, seed and
  // replicates (replicate r against replicate r). None by default.
  virtual std::vector<ComparisonMeasure> compare(const Scenario& /*scenario*/,
                                                 const MetricsArray& /*run*/,
                                                 const MetricsArray& /*counterfactual*/) const {
    return {};
  }
  virtual ReportLayout report_layout() const { return {}; }
};

}  // namespace sim
