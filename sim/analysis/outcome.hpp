// Outcomes of a sweep: one number per design point computed from its replicates' metrics or
// goals, named by a small expression language (results/README.md, "Outcomes"):
//
//   G3              share of replicates meeting goal G3 by its deadline
//   G3.value        mean over replicates of G3's value at its deadline
//   G3.cost         mean over replicates of public money spent to G3's deadline
//   sum(M[, P])     total of M over period P, summed over clusters: a flow's quarters added,
//                   an annual rate's quarters added and divided by four (sales in P, not four
//                   times them); refused for a stock, a trailing year and a ratio
//   mean(M[, P])    mean over the quarters of P of M summed over clusters (not for a ratio)
//   end(M[, P])     M summed over clusters in the last quarter of P (not for a ratio)
//   clusters(M >= X[, P])   number of clusters whose M over P is at least X: a flow's or an
//                   annual rate's total as sum() counts it, a stock's or trailing year's last
//                   quarter, a ratio's mean over P
//   fact(F)         mean over replicates of the replicate runs' stylized fact F (Model::facts),
//   when the
//                   sweep recorded them (calibrations whose targets read them)
//   A / B, A * B, A + B, A - B, -A, (A), numbers: arithmetic on the per-point values
//
// A period P is a year (2020: its four quarters), a quarter (2020Q4), or a range
// (2016Q1:2020Q4; either end may be a year); without one, the whole run. A year must lie
// wholly in the run. Metric outcomes are averaged over replicates; a NaN in a metric makes the
// point's outcome NaN (nothing is skipped silently).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "sim/run/metric_kind.hpp"

namespace sim {

// What outcomes are computed from: a sweep's shape and accessors to its arrays.
struct SweepTable {
  std::size_t points = 0, replicates = 0, steps = 0, clusters = 0;
  std::vector<std::string> time_labels;  // one per step, e.g. "2014Q1"
  std::vector<std::string> goal_ids;     // e.g. "G1"
  // Names of the metrics, for messages naming the valid ones; when empty, only `metric`
  // decides whether a name is known.
  std::vector<std::string> metric_names;
  // A metric's values as [point][replicate][step][cluster]; throws InputError for an unknown
  // metric.
  std::function<std::vector<double>(const std::string& metric)> metric;
  // What a metric's number is (sim/run/metric_kind.hpp), which decides how it adds up.
  std::function<MetricKind(const std::string& metric)> metric_kind;
  // A goal field ("value_at_deadline", "met", "cost_to_deadline") as [point][goal][replicate];
  // throws InputError when the sweep has no such field.
  std::function<std::vector<double>(const std::string& field)> goals;
  // The stylized facts the sweep recorded (none: fact(F) is refused), and one's values as
  // [point][replicate].
  std::vector<std::string> fact_names;
  std::function<std::vector<double>(const std::string& fact)> fact;
};

// The outcome named by `expression`, one value per run. Throws InputError (key "--outcome",
// column of the offending character) for a malformed expression, an unknown metric, goal or
// quarter, or an undecided goal.
std::vector<double> evaluate_outcome(const std::string& expression, const SweepTable& table);

}  // namespace sim
