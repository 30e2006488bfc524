// The plan's goals (the plan, Lu Zheng Ban Fa [2015] No. 4; models/README.md): G1, 5 clusters with
// annual output over 100 bn yuan by the end of 2015; G2, 15 newly cultivated clusters during
// 2016-2020; G3, 20 clusters over 100 bn yuan by the end of 2020; G4, clusters at a
// national-leading level of innovation by 2020. The operational definitions of G2 and G4 are in
// models/README.md ("Goals").
#pragma once

#include <array>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/run/goals.hpp"

namespace models {

// Annual output of each cluster over the four quarters ending at each step, from quarterly
// sales (output_value / 4); the first three steps use the quarters available, annualised.
// trailing[t * clusters + c].
std::vector<double> trailing_annual_output(const double* output_value_annualised, std::size_t steps,
                                           std::size_t clusters);

// Per replicate: the number of clusters over `mark` at each step.
std::vector<double> clusters_over_mark(const std::vector<double>& annual, std::size_t steps,
                                       std::size_t clusters, double mark);

// Trailing annual sums of a quarterly flow (e.g. R&D, patents) by step and cluster; the first
// three steps use the quarters available, annualised.
std::vector<double> trailing_annual_sum(const double* quarterly, std::size_t steps,
                                        std::size_t clusters);

// G2's test of one cluster at one step: newly cultivated means below the output mark at the
// window's start, and since then growing at least min_growth a year in real terms (over at least
// a year), with R&D intensity and output at least the thresholds. Outputs are nominal; real
// growth deflates them by the change in producer prices between the two dates
// (`price_change`, the later price level over the earlier).
struct CultivationTest {
  double mark, min_growth, min_rd_intensity, min_output;
};
bool is_newly_cultivated(double output_at_start, double output_now, double years,
                         double rd_intensity, const CultivationTest& test,
                         double price_change = 1.0);

// G4's test: a national-leading innovation hub by R&D intensity, invention patents per bn yuan
// of output, researchers per bn yuan of output, and scale.
// The intensity thresholds are per yuan of value added (the national figures they come from are
// per yuan of GDP); a cluster's value added is value_added_share times its gross output.
struct LeadingTest {
  double min_rd_intensity, min_patents_per_bn, min_researchers_per_bn, min_output;
  double value_added_share;
};
bool is_innovation_leader(double annual_output, double annual_rd, double annual_patents,
                          double researchers, const LeadingTest& test);

// Fills one goal's results for one replicate from the series of its value by step.
void evaluate_count_goal(const std::vector<double>& count_by_step, const sim::Calendar& calendar,
                         std::size_t goal, std::size_t replicate, sim::GoalResults& out);

// The goals' settings (goals.*). Goals are G1 to G4 at indices 0 to 3; dates are quarter numbers.
struct GoalParams {
  double output_mark;  // yuan/year
  std::array<double, 4> target;
  std::array<int, 4> deadline;
  int g2_window_start;
  CultivationTest cultivated;
  LeadingTest leading;

  static GoalParams from(const sim::Scenario& scenario);
};

// The goals as defined by the scenario (goals.* settings).
std::vector<sim::GoalDefinition> plan_goals(const sim::Scenario& scenario);

void add_goal_settings(sim::Schema& schema);

}  // namespace models
