#include "models/goals.hpp"

#include <fmt/format.h>
#include <cmath>
#include <limits>

namespace models {

std::vector<double> trailing_annual_output(const double* output_value, std::size_t steps,
                                           std::size_t clusters) {
  std::vector<double> annual(steps * clusters, 0.0);
  for (std::size_t c = 0; c < clusters; ++c) {
    for (std::size_t t = 0; t < steps; ++t) {
      const std::size_t first = t >= 3 ? t - 3 : 0;
      double quarterly_sum = 0.0;
      for (std::size_t j = first; j <= t; ++j) quarterly_sum += output_value[j * clusters + c] / 4;
      annual[t * clusters + c] = quarterly_sum * 4.0 / static_cast<double>(t - first + 1);
    }
  }
  return annual;
}

std::vector<double> clusters_over_mark(const std::vector<double>& annual, std::size_t steps,
                                       std::size_t clusters, double mark) {
  std::vector<double> count(steps, 0.0);
  for (std::size_t t = 0; t < steps; ++t) {
    for (std::size_t c = 0; c < clusters; ++c) count[t] += annual[t * clusters + c] >= mark ? 1 : 0;
  }
  return count;
}

void evaluate_count_goal(const std::vector<double>& count, const sim::Calendar& cal, std::size_t g,
                         std::size_t r, sim::GoalResults& out) {
  const sim::GoalDefinition& goal = out.goals[g];
  const std::size_t i = out.index(g, r);
  const int deadline_quarter = static_cast<int>(std::lround(goal.deadline * 4)) - 1;
  const int deadline_step = deadline_quarter - cal.first_quarter;
  if (deadline_step >= 0 && deadline_step < cal.steps()) {
    out.value_at_deadline[i] = count[static_cast<std::size_t>(deadline_step)];
    out.met[i] = out.value_at_deadline[i] >= goal.target ? 1 : 0;
  } else {
    out.value_at_deadline[i] = std::numeric_limits<double>::quiet_NaN();
    out.met[i] = -1;
  }
  out.first_met[i] = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t t = 0; t < count.size(); ++t) {
    if (count[t] >= goal.target) {
      out.first_met[i] = sim::quarter_end_decimal_year(cal.quarter_of_step(static_cast<int>(t)));
      break;
    }
  }
}

std::vector<sim::GoalDefinition> plan_goals(const sim::Scenario& sc) {
  const double mark = sc.number("goals.output_mark");
  const std::string mark_text = fmt::format("{:g} bn yuan", mark / 1e9);
  auto deadline = [&](const std::string& key) {
    return sim::quarter_end_decimal_year(sim::quarter_number(sc.date(key)));
  };
  return {
      {"G1",
       fmt::format("{:g} clusters with annual output over {} by {}", sc.number("goals.g1.target"),
                   mark_text,
                   sim::quarter_label(sim::quarter_number(sc.date("goals.g1.deadline")))),
       "clusters", sc.number("goals.g1.target"), deadline("goals.g1.deadline")},
      {"G3",
       fmt::format("{:g} clusters with annual output over {} by {}", sc.number("goals.g3.target"),
                   mark_text,
                   sim::quarter_label(sim::quarter_number(sc.date("goals.g3.deadline")))),
       "clusters", sc.number("goals.g3.target"), deadline("goals.g3.deadline")},
  };
}

void add_goal_settings(sim::Schema& s) {
  s.add(sim::number("goals.output_mark", "yuan/year", 0, 1e15, "1e11",
                    "Annual output that makes a cluster a 'hundred-billion' cluster (千亿)."));
  s.add(sim::number("goals.g1.target", "clusters", 0, 1000, "5",
                    "G1: number of clusters over the mark."));
  s.add(sim::date("goals.g1.deadline", "2015Q4",
                  "G1: the quarter by whose end the target is due (end of the 12th FYP)."));
  s.add(sim::number("goals.g3.target", "clusters", 0, 1000, "20",
                    "G3: number of clusters over the mark."));
  s.add(sim::date("goals.g3.deadline", "2020Q4",
                  "G3: the quarter by whose end the target is due (end of the 13th FYP)."));
}

}  // namespace models
