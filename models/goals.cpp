#include "models/goals.hpp"

#include "models/cluster.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace models {

namespace {

// The sum over the four quarters ending at each step of per_value * values (the first three
// steps use the quarters available, annualised).
std::vector<double> trailing_year(const double* values, std::size_t steps, std::size_t clusters,
                                  double per_value) {
  std::vector<double> annual(steps * clusters, 0.0);
  for (std::size_t c = 0; c < clusters; ++c) {
    for (std::size_t t = 0; t < steps; ++t) {
      const std::size_t first = t >= 3 ? t - 3 : 0;
      double total = 0.0;
      for (std::size_t j = first; j <= t; ++j) total += per_value * values[j * clusters + c];
      annual[t * clusters + c] = total * 4.0 / static_cast<double>(t - first + 1);
    }
  }
  return annual;
}

}  // namespace

std::vector<double> trailing_annual_output(const double* output_value, std::size_t steps,
                                           std::size_t clusters) {
  // output_value is annualised (x4): a quarter's sales are a quarter of it.
  return trailing_year(output_value, steps, clusters, 0.25);
}

std::vector<double> trailing_annual_sum(const double* quarterly, std::size_t steps,
                                        std::size_t clusters) {
  return trailing_year(quarterly, steps, clusters, 1.0);
}

bool is_newly_cultivated(double output_at_start, double output_now, double years,
                         double rd_intensity, const CultivationTest& test, double price_change) {
  if (output_at_start >= test.mark || output_at_start <= 0 || years < 1.0) return false;
  const double real_growth = output_now / output_at_start / price_change;
  const double growth = std::pow(real_growth, 1.0 / years) - 1.0;
  return growth >= test.min_growth && rd_intensity >= test.min_rd_intensity &&
         output_now >= test.min_output;
}

bool is_innovation_leader(double output, double rd, double patents, double researchers,
                          const LeadingTest& test) {
  if (output <= 0 || output < test.min_output) return false;
  const double value_added = test.value_added_share * output;
  const double bn = value_added / 1e9;
  return rd / value_added >= test.min_rd_intensity && patents / bn >= test.min_patents_per_bn &&
         researchers / bn >= test.min_researchers_per_bn;
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

GoalParams GoalParams::from(const sim::Scenario& sc) {
  const auto quarter = [&](const std::string& key) { return sim::quarter_number(sc.date(key)); };
  GoalParams p{};
  p.output_mark = sc.number("goals.output_mark");
  p.target = {sc.number("goals.g1.target"), sc.number("goals.g2.target"),
              sc.number("goals.g3.target"), sc.number("goals.g4.target")};
  p.deadline = {quarter("goals.g1.deadline"), quarter("goals.g2.deadline"),
                quarter("goals.g3.deadline"), quarter("goals.g4.deadline")};
  p.g2_window_start = quarter("goals.g2.window_start");
  p.cultivated = {p.output_mark, sc.number("goals.g2.min_growth"),
                  sc.number("goals.g2.min_rd_intensity"), sc.number("goals.g2.min_output")};
  p.leading = {sc.number("goals.g4.min_rd_intensity"), sc.number("goals.g4.min_patents_per_bn"),
               sc.number("goals.g4.min_researchers_per_bn"), sc.number("goals.g4.min_output"),
               sc.number("goals.g4.value_added_share")};
  return p;
}

// Every goal counts clusters, and only a cluster with firms can count: one that starts
// without firms gains none (entrants come from its own firms, platforms and founders,
// WorldReplicate::enter). Why a target above the clusters with firms cannot be met, or "".
static std::string unreachable_count(double target, double with_firms, std::size_t clusters) {
  if (target <= with_firms) return "";
  const double empty = static_cast<double>(clusters) - with_firms;
  return fmt::format(
      "at most {:g} clusters can count, target {:g}: {:g} of the {} start without "
      "firms (world.initial_firms) and a cluster without firms gains none",
      with_firms, target, empty, clusters);
}

std::vector<sim::GoalDefinition> plan_goals(const sim::Scenario& sc) {
  const GoalParams p = GoalParams::from(sc);
  const std::string mark_text = fmt::format("{:g} bn yuan", p.output_mark / 1e9);
  const auto deadline = [&](std::size_t g) { return sim::quarter_end_decimal_year(p.deadline[g]); };
  const auto label = [](int quarter) { return sim::quarter_label(quarter); };
  const auto starts = read_cluster_starts(sc);
  const auto with_firms = static_cast<double>(std::count_if(
      starts.begin(), starts.end(), [](const ClusterStart& s) { return s.firms > 0; }));
  const auto unreachable = [&](std::size_t g) {
    return unreachable_count(p.target[g], with_firms, starts.size());
  };
  return {
      {"G1",
       fmt::format("{:g} clusters with annual output over {} by {}", p.target[0], mark_text,
                   label(p.deadline[0])),
       "clusters", p.target[0], deadline(0), unreachable(0)},
      {"G2",
       fmt::format("{:g} newly cultivated clusters (growth, R&D, scale) from {} to {}", p.target[1],
                   label(p.g2_window_start), label(p.deadline[1])),
       "clusters", p.target[1], deadline(1), unreachable(1)},
      {"G3",
       fmt::format("{:g} clusters with annual output over {} by {}", p.target[2], mark_text,
                   label(p.deadline[2])),
       "clusters", p.target[2], deadline(2), unreachable(2)},
      {"G4",
       fmt::format("{:g} clusters at a national-leading level of R&D, patents and talent by {}",
                   p.target[3], label(p.deadline[3])),
       "clusters", p.target[3], deadline(3), unreachable(3)},
  };
}

void add_goal_settings(sim::Schema& s) {
  using sim::date;
  using sim::number;
  s.add(number("goals.output_mark", "yuan/year", 0, 1e15, "1e11",
               "Annual output that makes a cluster a 'hundred-billion' cluster (千亿)."));
  s.add(
      number("goals.g1.target", "clusters", 0, 1000, "5", "G1: number of clusters over the mark."));
  s.add(date("goals.g1.deadline", "2015Q4",
             "G1: the quarter by whose end the target is due (end of the 12th FYP)."));
  s.add(number("goals.g2.target", "clusters", 0, 1000, "15",
               "G2: newly cultivated clusters with high growth potential and strong innovation."));
  s.add(date("goals.g2.window_start", "2016Q1",
             "G2: first quarter of the cultivation window (start of the 13th FYP); a cluster is "
             "'new' when below the output mark in the quarter before."));
  s.add(
      date("goals.g2.deadline", "2020Q4", "G2: last quarter of the window (end of the 13th FYP)."));
  s.add(number("goals.g2.min_growth", "1/year", -1, 10, "0.12",
               "G2: least annual real growth of output since the window's start (assumption: "
               "half again Shandong's real industrial growth of about 8%)."));
  sim::Setting prices = number(
      "goals.g2.price_level", "1", 0.1, 10,
      "{2014: 1.0, 2015: 0.948, 2016: 0.935, 2017: 0.994, 2018: 1.028, 2019: 1.025, 2020: 1.007}",
      "G2: producer price level by year, 2014 = 1, which turns nominal output growth into real "
      "(China's industrial producer price index chained: 94.8, 98.6, 106.3, 103.5, 99.7, 98.2 "
      "in 2015-2020, NBS); held at its last value after.");
  prices.by_date = true;
  s.add(std::move(prices));
  s.add(number("goals.g2.min_rd_intensity", "1", 0, 1, "0.015",
               "G2: least R&D intensity (reported R&D over output, trailing year; assumption: "
               "about twice Shandong industry's 0.89% in 2015)."));
  s.add(number("goals.g2.min_output", "yuan/year", 0, 1e15, "1e10",
               "G2: least annual output (assumption: a tenth of the 100 bn mark)."));
  s.add(number("goals.g3.target", "clusters", 0, 1000, "20",
               "G3: number of clusters over the mark."));
  s.add(date("goals.g3.deadline", "2020Q4",
             "G3: the quarter by whose end the target is due (end of the 13th FYP)."));
  s.add(number("goals.g4.target", "clusters", 0, 1000, "5",
               "G4: clusters at a national-leading level (the plan says 'some'; assumption)."));
  s.add(date("goals.g4.deadline", "2020Q4", "G4: the quarter by whose end the target is due."));
  s.add(number("goals.g4.min_rd_intensity", "1", 0, 1, "0.045",
               "G4: least R&D per yuan of value added: twice Shandong's 2.27% of GDP in 2015 "
               "(assumption: a leading cluster doubles its province's average)."));
  s.add(number("goals.g4.min_patents_per_bn", "patents/bn yuan", 0, 1e6, "5.4",
               "G4: least invention patents granted per year per bn yuan of value added: twice "
               "Shandong's 2.7 per bn yuan of GDP in 2015 (16,881 over 6.3 trn yuan)."));
  s.add(number("goals.g4.min_researchers_per_bn", "persons/bn yuan", 0, 1e6, "96",
               "G4: least employed researchers (FTE) per bn yuan of annual value added: twice "
               "Shandong's 48 per bn yuan of GDP in 2014 (286,352 over 5.94 trn yuan)."));
  s.add(number("goals.g4.value_added_share", "1", 0.01, 1, "0.206",
               "G4: value added per yuan of a cluster's gross output (China 2014: industrial "
               "value added 22.8 trn yuan, NBS communique; above-scale industry's revenue "
               "110.7 trn, China Statistical Yearbook 2015 table 13-3)."));
  s.add(number("goals.g4.min_output", "yuan/year", 0, 1e15, "1e10",
               "G4: least annual output of a leading cluster (assumption)."));
}

}  // namespace models
