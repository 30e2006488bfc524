// Goals of a plan and their evaluation over an ensemble: which replicates meet each goal by its
// deadline, the value reached at the deadline, and when the target is first reached.
#pragma once

#include <string>
#include <vector>

namespace sim {

struct GoalDefinition {
  std::string id;           // "G1"
  std::string description;  // one line
  std::string unit;         // unit of the goal's value, e.g. "clusters"
  double target = 0.0;      // met when value >= target at the deadline
  double deadline = 0.0;    // decimal year at the end of the deadline quarter
  // Why no run can meet the target (e.g. "at most 18 clusters can count: ..."); empty when
  // it is reachable.
  std::string unreachable;
};

// A measure comparing each replicate of a run with the same replicate (same seed and index) of
// a counterfactual scenario, e.g. output gained per yuan of public money.
struct ComparisonMeasure {
  std::string name;
  std::string unit;
  std::string description;
  std::vector<double> per_replicate;
};

// Per goal g and replicate r (row-major [goal][replicate]).
struct GoalResults {
  std::vector<GoalDefinition> goals;
  std::size_t replicates = 0;
  std::vector<double> value_at_deadline;  // NaN when the run ends before the deadline
  std::vector<std::int8_t> met;           // 1 met by the deadline, 0 not, -1 undecided
  std::vector<double> first_met;          // decimal year the target is first reached, or NaN
  // Public money spent from the run's start to each goal's deadline, yuan (empty when the
  // model does not cost its policy; NaN when the run ends before the deadline).
  std::vector<double> cost_to_deadline;
  // Set when the run was compared with a counterfactual scenario.
  std::string counterfactual;  // its name
  std::vector<ComparisonMeasure> comparison;

  std::size_t index(std::size_t goal, std::size_t replicate) const {
    return goal * replicates + replicate;
  }
};

// The goals' definitions as one column per field, as files and Python store them.
struct GoalColumns {
  std::vector<std::string> ids, descriptions, units;
  std::vector<double> targets, deadlines;
  std::vector<std::string> unreachable;
};
GoalColumns goal_columns(const std::vector<GoalDefinition>& goals);

// Ensemble summary of one goal.
struct GoalSummary {
  GoalDefinition goal;
  std::size_t replicates = 0;
  std::size_t decided = 0;  // replicates whose run reaches the deadline
  double share_met = 0.0;   // among decided replicates
  // 90% Clopper-Pearson interval of the probability share_met estimates from `decided`
  // replicates (Monte Carlo error only).
  double share_met_low = 0.0, share_met_high = 0.0;
  double value_median = 0.0, value_p05 = 0.0, value_p95 = 0.0;
  double share_ever_met = 0.0;      // share reaching the target at any time in the run
  double first_met_median = 0.0;    // among those reaching it; NaN if none
  double first_met_earliest = 0.0;  // NaN if none
  double cost_median = 0.0, cost_p05 = 0.0, cost_p95 = 0.0;  // NaN when not costed
};

// Ensemble summary of one comparison measure.
struct ComparisonSummary {
  std::string name, unit, description;
  double median = 0.0, p05 = 0.0, p95 = 0.0;
};

std::vector<GoalSummary> summarise(const GoalResults& results);
std::vector<ComparisonSummary> summarise_comparison(const GoalResults& results);
std::string goals_report_text(const std::vector<GoalSummary>& summaries);
std::string goals_report_json(const std::vector<GoalSummary>& summaries);
// The whole report: goals, then the comparison with the counterfactual when there is one.
std::string goals_report_text(const GoalResults& results);
std::string goals_report_json(const GoalResults& results);

// The p-quantile (0..1) of values, by linear interpolation between order statistics (type 7);
// NaN for an empty input. Throws std::invalid_argument when a value is NaN: callers drop such
// values or refuse their input first.
double quantile(std::vector<double> values, double p);

}  // namespace sim
