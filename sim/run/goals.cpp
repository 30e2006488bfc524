#include "sim/run/goals.hpp"

#include "sim/core/calendar.hpp"
#include "sim/core/json.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace sim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The 90% Clopper-Pearson interval of a probability from `met` successes in `trials`
// (Boost.Math's exact binomial bounds, 5% in each tail); NaN without trials.
std::pair<double, double> share_interval(std::size_t met, std::size_t trials) {
  if (trials == 0) return {kNaN, kNaN};
  using Binomial = boost::math::binomial_distribution<double>;
  const auto n = static_cast<double>(trials), k = static_cast<double>(met);
  return {Binomial::find_lower_bound_on_p(n, k, 0.05), Binomial::find_upper_bound_on_p(n, k, 0.05)};
}

nlohmann::ordered_json summary_json(const GoalSummary& s) {
  return {{"id", s.goal.id},
          {"description", s.goal.description},
          {"unit", s.goal.unit},
          {"target", s.goal.target},
          {"deadline", s.goal.deadline},
          // The quarter the goal is due by: a deadline of 2016.0 is the end of 2015Q4.
          {"deadline_quarter", quarter_label_at(s.goal.deadline)},
          {"replicates", s.replicates},
          {"decided", s.decided},
          {"share_met", s.share_met},
          {"share_met_low", s.share_met_low},
          {"share_met_high", s.share_met_high},
          {"unreachable", s.goal.unreachable},
          {"value_median", s.value_median},
          {"value_p05", s.value_p05},
          {"value_p95", s.value_p95},
          {"share_ever_met", s.share_ever_met},
          {"first_met_median", s.first_met_median},
          {"first_met_earliest", s.first_met_earliest},
          {"cost_median", s.cost_median},
          {"cost_p05", s.cost_p05},
          {"cost_p95", s.cost_p95}};
}

nlohmann::ordered_json goals_json(const std::vector<GoalSummary>& summaries) {
  nlohmann::ordered_json goals = nlohmann::ordered_json::array();
  for (const auto& s : summaries) goals.push_back(summary_json(s));
  return {{"goals", goals}};
}

}  // namespace

double quantile(std::vector<double> values, double p) {
  if (values.empty()) return kNaN;
  // NaN compares false with everything, which breaks std::sort's ordering: the result is
  // undefined, and libstdc++'s unguarded insertion may then read past the array's ends.
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
    throw std::invalid_argument("the quantile of values holding NaN is undefined");
  }
  std::sort(values.begin(), values.end());
  const double h = p * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

std::vector<GoalSummary> summarise(const GoalResults& results) {
  std::vector<GoalSummary> out;
  for (std::size_t g = 0; g < results.goals.size(); ++g) {
    GoalSummary s;
    s.goal = results.goals[g];
    s.replicates = results.replicates;
    std::vector<double> values, first;
    std::size_t met = 0;
    for (std::size_t r = 0; r < results.replicates; ++r) {
      const std::size_t i = results.index(g, r);
      if (results.met[i] >= 0) {
        ++s.decided;
        met += results.met[i] == 1 ? 1 : 0;
        values.push_back(results.value_at_deadline[i]);
      }
      if (!std::isnan(results.first_met[i])) first.push_back(results.first_met[i]);
    }
    s.share_met = s.decided > 0 ? static_cast<double>(met) / static_cast<double>(s.decided) : kNaN;
    std::tie(s.share_met_low, s.share_met_high) = share_interval(met, s.decided);
    s.value_median = quantile(values, 0.5);
    s.value_p05 = quantile(values, 0.05);
    s.value_p95 = quantile(values, 0.95);
    s.share_ever_met = s.replicates > 0
                           ? static_cast<double>(first.size()) / static_cast<double>(s.replicates)
                           : kNaN;
    s.first_met_median = quantile(first, 0.5);
    s.first_met_earliest = first.empty() ? kNaN : *std::min_element(first.begin(), first.end());
    std::vector<double> costs;
    if (!results.cost_to_deadline.empty()) {
      for (std::size_t r = 0; r < results.replicates; ++r) {
        const double c = results.cost_to_deadline[results.index(g, r)];
        if (!std::isnan(c)) costs.push_back(c);
      }
    }
    s.cost_median = quantile(costs, 0.5);
    s.cost_p05 = quantile(costs, 0.05);
    s.cost_p95 = quantile(costs, 0.95);
    out.push_back(s);
  }
  return out;
}

std::vector<ComparisonSummary> summarise_comparison(const GoalResults& results) {
  std::vector<ComparisonSummary> out;
  for (const auto& m : results.comparison) {
    std::vector<double> values;
    for (double v : m.per_replicate) {
      if (std::isfinite(v)) values.push_back(v);
    }
    out.push_back({m.name, m.unit, m.description, quantile(values, 0.5), quantile(values, 0.05),
                   quantile(values, 0.95)});
  }
  return out;
}

std::string goals_report_text(const GoalResults& results) {
  std::string out = goals_report_text(summarise(results));
  if (results.counterfactual.empty()) return out;
  out +=
      fmt::format("Compared with '{}' (same seeds, paired replicates)\n", results.counterfactual);
  for (const auto& c : summarise_comparison(results)) {
    // Files hold yuan; people read bn yuan, with the unit printed.
    const bool yuan = c.unit == "yuan";
    const double scale = yuan ? 1e9 : 1.0;
    out += fmt::format("    {}: median {:.4g} {} (90% interval {:.4g} to {:.4g})\n", c.description,
                       c.median / scale, yuan ? "bn yuan" : c.unit, c.p05 / scale, c.p95 / scale);
  }
  return out;
}

// Undecided and uncosted values (NaN) are null.
std::string goals_report_json(const GoalResults& results) {
  nlohmann::ordered_json report = goals_json(summarise(results));
  report["counterfactual"] = results.counterfactual.empty()
                                 ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(results.counterfactual);
  nlohmann::ordered_json comparison = nlohmann::ordered_json::array();
  for (const auto& c : summarise_comparison(results)) {
    comparison.push_back({{"name", c.name},
                          {"unit", c.unit},
                          {"description", c.description},
                          {"median", c.median},
                          {"p05", c.p05},
                          {"p95", c.p95}});
  }
  report["comparison"] = comparison;
  return json_text(report);
}

std::string goals_report_text(const std::vector<GoalSummary>& summaries) {
  std::string out;
  for (const auto& s : summaries) {
    out += fmt::format("{}  {}\n", s.goal.id, s.goal.description);
    if (!s.goal.unreachable.empty())
      out += fmt::format("    unreachable: {}\n", s.goal.unreachable);
    if (s.decided == 0) {
      out += fmt::format("    not decided: the run ends before the deadline {}\n",
                         quarter_label_at(s.goal.deadline));
    } else {
      out += fmt::format(
          "    met by {} in {:.0f}% of {} replicates (90% interval {:.0f}% to {:.0f}%)\n",
          quarter_label_at(s.goal.deadline), 100.0 * s.share_met, s.decided,
          100.0 * s.share_met_low, 100.0 * s.share_met_high);
      out += fmt::format(
          "    {} at the deadline: median {:g} (90% interval {:g} to {:g}), target {:g}\n",
          s.goal.unit, s.value_median, s.value_p05, s.value_p95, s.goal.target);
    }
    if (std::isnan(s.first_met_median)) {
      out += "    target never reached within the run\n";
    } else {
      out += fmt::format(
          "    first reached: median {} (earliest {}), in {:.0f}% of replicates within the run\n",
          quarter_label_at(s.first_met_median), quarter_label_at(s.first_met_earliest),
          100.0 * s.share_ever_met);
    }
    if (!std::isnan(s.cost_median)) {
      out += fmt::format(
          "    public money spent by the deadline (provincial budget plus national tax "
          "expenditure, funds at cost less distributions): median {:.4g} bn yuan (90% interval "
          "{:.4g} to {:.4g})\n",
          s.cost_median / 1e9, s.cost_p05 / 1e9, s.cost_p95 / 1e9);
    }
  }
  return out;
}

std::string goals_report_json(const std::vector<GoalSummary>& summaries) {
  return json_text(goals_json(summaries));
}

GoalColumns goal_columns(const std::vector<GoalDefinition>& goals) {
  GoalColumns c;
  for (const auto& g : goals) {
    c.ids.push_back(g.id);
    c.descriptions.push_back(g.description);
    c.units.push_back(g.unit);
    c.targets.push_back(g.target);
    c.deadlines.push_back(g.deadline);
    c.unreachable.push_back(g.unreachable);
  }
  return c;
}

}  // namespace sim
