// The plan goals evaluated on ensembles (models/goals.hpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <numeric>
#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/goals.hpp"
#include "models/incubator.hpp"
#include "models/platform.hpp"
#include "models/talent.hpp"
#include "models/tax.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/calendar.hpp"
#include "sim/run/goals.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- trailing_annual_output ----------------------------------------------------------------

TEST(GoalsTrailingOutput, FirstStepsAverageWhatExists) {
  // One cluster, annualised output 4, 8, 12, 16, 20 by step:
  // t0: 4; t1: (4 + 8) / 2 = 6; t2: (4 + 8 + 12) / 3 = 8; t3: (4 + 8 + 12 + 16) / 4 = 10;
  // t4: (8 + 12 + 16 + 20) / 4 = 14.
  const std::vector<double> output{4, 8, 12, 16, 20};
  EXPECT_EQ(models::trailing_annual_output(output.data(), 5, 1),
            (std::vector<double>{4, 6, 8, 10, 14}));
}

TEST(GoalsTrailingOutput, ClustersAreInterleavedByStep) {
  // Layout [t * clusters + c]. Cluster 0: 100 every step -> 100 throughout. Cluster 1:
  // 0, 40, 80, 120, 160, 200 -> 0, 20, 40, 60, (40+80+120+160)/4 = 100, (80+...+200)/4 = 140.
  const std::vector<double> output{100, 0, 100, 40, 100, 80, 100, 120, 100, 160, 100, 200};
  EXPECT_EQ(models::trailing_annual_output(output.data(), 6, 2),
            (std::vector<double>{100, 0, 100, 20, 100, 40, 100, 60, 100, 100, 100, 140}));
}

TEST(GoalsTrailingOutput, ConstantOutputIsItsOwnAnnualOutput) {
  const std::vector<double> output(12, 1.2e11);
  for (double v : models::trailing_annual_output(output.data(), 12, 1)) EXPECT_DOUBLE_EQ(v, 1.2e11);
}

// --- clusters_over_mark --------------------------------------------------------------------

TEST(GoalsOverMark, CountsClustersAtOrAboveTheMark) {
  // 3 steps x 3 clusters, mark 100: step 0 {50, 100, 150} -> 2 (100 counts); step 1
  // {99.9, 99, 0} -> 0; step 2 {200, 300, 100} -> 3.
  const std::vector<double> annual{50, 100, 150, 99.9, 99, 0, 200, 300, 100};
  EXPECT_EQ(models::clusters_over_mark(annual, 3, 3, 100.0), (std::vector<double>{2, 0, 3}));
}

// --- evaluate_count_goal -------------------------------------------------------------------

// A run 2014Q1 .. 2020Q4 (28 steps) and one goal.
sim::GoalResults results_for(double target, double deadline, std::size_t replicates = 1) {
  sim::GoalResults out;
  out.goals = {{"G", "test goal", "clusters", target, deadline}};
  out.replicates = replicates;
  out.value_at_deadline.assign(replicates, -7.0);
  out.met.assign(replicates, 9);
  out.first_met.assign(replicates, -7.0);
  return out;
}

const sim::Calendar kRun{2014 * 4, 2020 * 4 + 3};

std::vector<double> ramp() {
  // Count at step t is t / 4 rounded down: 0 for 2014, 1 for 2015, ..., 6 for 2020.
  std::vector<double> count(28);
  for (std::size_t t = 0; t < count.size(); ++t) count[t] = static_cast<double>(t / 4);
  return count;
}

TEST(GoalsEvaluate, DeadlineInsideTheRunMet) {
  // Target 1 by the end of 2015Q4 (2016.0): deadline quarter 4 * 2016 - 1 = 2015Q4 = step 7,
  // where the count is 7 / 4 = 1 -> met. First reached at step 4 = 2015Q1, ending 2015.25.
  auto out = results_for(1.0, 2016.0);
  models::evaluate_count_goal(ramp(), kRun, 0, 0, out);
  EXPECT_EQ(out.met[0], 1);
  EXPECT_EQ(out.value_at_deadline[0], 1.0);
  EXPECT_DOUBLE_EQ(out.first_met[0], 2015.25);
}

TEST(GoalsEvaluate, DeadlineInsideTheRunNotMetButReachedLater) {
  // Target 5 by 2016.0: count 1 at step 7 -> not met; first 5 at step 20 = 2019Q1 -> 2019.25.
  auto out = results_for(5.0, 2016.0);
  models::evaluate_count_goal(ramp(), kRun, 0, 0, out);
  EXPECT_EQ(out.met[0], 0);
  EXPECT_EQ(out.value_at_deadline[0], 1.0);
  EXPECT_DOUBLE_EQ(out.first_met[0], 2019.25);
}

TEST(GoalsEvaluate, DeadlineAtTheLastStep) {
  // Target 6 by 2021.0 (2020Q4, step 27, count 6): met; first 6 at step 24 = 2020Q1 -> 2020.25.
  auto out = results_for(6.0, 2021.0);
  models::evaluate_count_goal(ramp(), kRun, 0, 0, out);
  EXPECT_EQ(out.met[0], 1);
  EXPECT_EQ(out.value_at_deadline[0], 6.0);
  EXPECT_DOUBLE_EQ(out.first_met[0], 2020.25);
}

TEST(GoalsEvaluate, DeadlineAfterTheRunIsUndecided) {
  // Deadline 2022.0 = 2021Q4, step 31 >= 28 steps: met -1, value NaN; first_met still found
  // (target 2 first at step 8 = 2016Q1 -> 2016.25).
  auto out = results_for(2.0, 2022.0);
  models::evaluate_count_goal(ramp(), kRun, 0, 0, out);
  EXPECT_EQ(out.met[0], -1);
  EXPECT_TRUE(std::isnan(out.value_at_deadline[0]));
  EXPECT_DOUBLE_EQ(out.first_met[0], 2016.25);
}

TEST(GoalsEvaluate, DeadlineBeforeTheRunIsUndecided) {
  // Deadline 2014.0 = 2013Q4, step -1.
  auto out = results_for(0.0, 2014.0);
  models::evaluate_count_goal(ramp(), kRun, 0, 0, out);
  EXPECT_EQ(out.met[0], -1);
  EXPECT_TRUE(std::isnan(out.value_at_deadline[0]));
  // Target 0 is reached at once: step 0 = 2014Q1 -> 2014.25.
  EXPECT_DOUBLE_EQ(out.first_met[0], 2014.25);
}

TEST(GoalsEvaluate, NeverReached) {
  // Target 10 > the largest count 6: not met, first_met NaN.
  auto out = results_for(10.0, 2021.0);
  models::evaluate_count_goal(ramp(), kRun, 0, 0, out);
  EXPECT_EQ(out.met[0], 0);
  EXPECT_EQ(out.value_at_deadline[0], 6.0);
  EXPECT_TRUE(std::isnan(out.first_met[0]));
}

TEST(GoalsEvaluate, WritesOnlyItsReplicateSlot) {
  // Two goals x three replicates: goal 1, replicate 2 is index 1 * 3 + 2 = 5.
  sim::GoalResults out;
  out.goals = {{"A", "a", "clusters", 1.0, 2016.0}, {"B", "b", "clusters", 3.0, 2018.0}};
  out.replicates = 3;
  out.value_at_deadline.assign(6, -7.0);
  out.met.assign(6, 9);
  out.first_met.assign(6, -7.0);
  models::evaluate_count_goal(ramp(), kRun, 1, 2, out);
  // Deadline 2018.0 = 2017Q4 = step 15, count 3 -> met; first 3 at step 12 = 2017Q1.
  EXPECT_EQ(out.met[5], 1);
  EXPECT_EQ(out.value_at_deadline[5], 3.0);
  EXPECT_DOUBLE_EQ(out.first_met[5], 2017.25);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(out.met[i], 9) << i;
    EXPECT_EQ(out.value_at_deadline[i], -7.0) << i;
    EXPECT_EQ(out.first_met[i], -7.0) << i;
  }
}

// --- plan_goals ----------------------------------------------------------------------------

TEST(GoalsPlan, FromThePlanScenario) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(
      std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml", model.schema());
  const auto goals = models::plan_goals(sc);
  ASSERT_EQ(goals.size(), 4u);
  // G1: 5 clusters over 1e11 yuan by the end of 2015Q4 = 2016.0.
  EXPECT_EQ(goals[0].id, "G1");
  EXPECT_EQ(goals[0].unit, "clusters");
  EXPECT_EQ(goals[0].target, 5.0);
  EXPECT_DOUBLE_EQ(goals[0].deadline, 2016.0);
  EXPECT_EQ(goals[0].description, "5 clusters with annual output over 100 bn yuan by 2015Q4");
  // G2: 15 newly cultivated clusters in 2016Q1-2020Q4.
  EXPECT_EQ(goals[1].id, "G2");
  EXPECT_EQ(goals[1].target, 15.0);
  EXPECT_DOUBLE_EQ(goals[1].deadline, 2021.0);
  EXPECT_EQ(goals[1].description,
            "15 newly cultivated clusters (growth, R&D, scale) from 2016Q1 to 2020Q4");
  // G3: 20 clusters by the end of 2020Q4 = 2021.0.
  EXPECT_EQ(goals[2].id, "G3");
  EXPECT_EQ(goals[2].target, 20.0);
  EXPECT_DOUBLE_EQ(goals[2].deadline, 2021.0);
  EXPECT_EQ(goals[2].description, "20 clusters with annual output over 100 bn yuan by 2020Q4");
  // G4: 5 national-leading clusters by the end of 2020.
  EXPECT_EQ(goals[3].id, "G4");
  EXPECT_EQ(goals[3].target, 5.0);
  EXPECT_DOUBLE_EQ(goals[3].deadline, 2021.0);
}

// G3 asks for 20 clusters, but two of the catalogue's slots start without firms and a cluster
// without firms never gains any: the goal says it is unreachable rather than a bare 0%.
TEST(GoalsPlan, ATargetAboveTheClustersWithFirmsIsUnreachable) {
  const models::ClusterModel model;
  const std::string plan = std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml";
  const auto goals = models::plan_goals(sim::Scenario::load(plan, model.schema()));
  EXPECT_EQ(goals[0].unreachable, "");  // 5 of 18
  EXPECT_EQ(goals[1].unreachable, "");  // 15 of 18
  EXPECT_EQ(goals[2].unreachable,
            "at most 18 clusters can count, target 20: 2 of the 20 start without firms "
            "(world.initial_firms) and a cluster without firms gains none");
  EXPECT_EQ(goals[3].unreachable, "");
  // Seeding the open slots with firms makes it reachable; asking for 19 of 18 does not.
  const auto seeded = models::plan_goals(sim::Scenario::load(
      plan, model.schema(), {{"world.initial_firms={open_slot_1: 40, open_slot_2: 40}"}}));
  EXPECT_EQ(seeded[2].unreachable, "");
  const auto g1 =
      models::plan_goals(sim::Scenario::load(plan, model.schema(), {{"goals.g1.target=19"}}));
  EXPECT_NE(g1[0].unreachable.find("at most 18 clusters can count, target 19"), std::string::npos);
}

TEST(GoalsPlan, OverridesChangeTargetsAndDeadlines) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(
      std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml", model.schema(),
      {{"goals.g1.target=3", "goals.g1.deadline=2016Q2", "goals.output_mark=5e10"}});
  const auto goals = models::plan_goals(sc);
  ASSERT_EQ(goals.size(), 4u);
  // 2016Q2 ends at 2016.5.
  EXPECT_EQ(goals[0].target, 3.0);
  EXPECT_DOUBLE_EQ(goals[0].deadline, 2016.5);
  EXPECT_EQ(goals[0].description, "3 clusters with annual output over 50 bn yuan by 2016Q2");
}

// --- goals ---------------------------------------------------------------------------------

TEST(EconomicsRulesGoals, TrailingAnnualSum) {
  // Two clusters, five quarters: [t * 2 + c]. Cluster 0: 1, 2, 3, 4, 5; cluster 1: 10, 0, 0,
  // 0, 10. The first three quarters annualise what exists (x 4 / quarters).
  const std::vector<double> q = {1, 10, 2, 0, 3, 0, 4, 0, 5, 10};
  const auto s = models::trailing_annual_sum(q.data(), 5, 2);
  ASSERT_EQ(s.size(), 10u);
  // Cluster 0: 1*4 = 4; (1+2)*2 = 6; 6*4/3 = 8; 1+2+3+4 = 10; 2+3+4+5 = 14.
  EXPECT_DOUBLE_EQ(s[0], 4);
  EXPECT_DOUBLE_EQ(s[2], 6);
  EXPECT_DOUBLE_EQ(s[4], 8);
  EXPECT_DOUBLE_EQ(s[6], 10);
  EXPECT_DOUBLE_EQ(s[8], 14);
  // Cluster 1: 40; 10*2 = 20; 10*4/3 = 13.33; 10; 0+0+0+10 = 10.
  EXPECT_DOUBLE_EQ(s[1], 40);
  EXPECT_DOUBLE_EQ(s[3], 20);
  EXPECT_NEAR(s[5], 40.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(s[7], 10);
  EXPECT_DOUBLE_EQ(s[9], 10);
}

TEST(EconomicsRulesGoals, NewlyCultivated) {
  const models::CultivationTest t{1e11, 0.12, 0.015, 1e10};
  // 2e10 -> 3e10 in two years: sqrt(1.5) - 1 = 22.5% a year, R&D 2%: newly cultivated.
  EXPECT_TRUE(models::is_newly_cultivated(2e10, 3e10, 2.0, 0.02, t));
  // 2e10 -> 2.42e10 in two years: sqrt(1.21) - 1 = 10% < 12%.
  EXPECT_FALSE(models::is_newly_cultivated(2e10, 2.42e10, 2.0, 0.02, t));
  // R&D 1% < 1.5%.
  EXPECT_FALSE(models::is_newly_cultivated(2e10, 3e10, 2.0, 0.01, t));
  // Already at the mark at the window's start: not new.
  EXPECT_FALSE(models::is_newly_cultivated(1e11, 2e11, 2.0, 0.02, t));
  // Too small at the end: 5e9 -> 8e9 in a year grows 60% but stays under 1e10.
  EXPECT_FALSE(models::is_newly_cultivated(5e9, 8e9, 1.0, 0.02, t));
  // Less than a year of history, or nothing at the start: not judged.
  EXPECT_FALSE(models::is_newly_cultivated(2e10, 4e10, 0.75, 0.02, t));
  EXPECT_FALSE(models::is_newly_cultivated(0, 4e10, 2.0, 0.02, t));
  // Exactly a year and exactly the thresholds: 1e10 -> 1.2e10 is 20% a year.
  EXPECT_TRUE(models::is_newly_cultivated(1e10, 1.2e10, 1.0, 0.015, t));
}

TEST(EconomicsRulesGoals, NewlyCultivatedGrowthIsReal) {
  const models::CultivationTest t{1e11, 0.12, 0.015, 1e10};
  // 2e10 -> 2.52e10 over two years is 12.25% a year nominal; with producer prices up 4% over
  // the two years it is 2.52 / 2 / 1.04 = 1.2115, 10.1% a year real: not cultivated.
  EXPECT_TRUE(models::is_newly_cultivated(2e10, 2.52e10, 2.0, 0.02, t, 1.0));
  EXPECT_FALSE(models::is_newly_cultivated(2e10, 2.52e10, 2.0, 0.02, t, 1.04));
  // Falling prices raise real growth: 11% a year nominal (2.4642e10) with prices down 2% is
  // 2.4642 / 2 / 0.98 = 1.2572, 12.1% a year real.
  EXPECT_FALSE(models::is_newly_cultivated(2e10, 2.4642e10, 2.0, 0.02, t, 1.0));
  EXPECT_TRUE(models::is_newly_cultivated(2e10, 2.4642e10, 2.0, 0.02, t, 0.98));
}

TEST(EconomicsRulesGoals, InnovationLeader) {
  const models::LeadingTest t{0.025, 3, 40, 1e10, 1.0};
  // 20 bn output, R&D 6e8 (3%), 80 patents (4 per bn), 1000 researchers (50 per bn): leader.
  EXPECT_TRUE(models::is_innovation_leader(2e10, 6e8, 80, 1000, t));
  // Each criterion alone failing: R&D 2%, 2.5 patents per bn, 35 researchers per bn, 5 bn.
  EXPECT_FALSE(models::is_innovation_leader(2e10, 4e8, 80, 1000, t));
  EXPECT_FALSE(models::is_innovation_leader(2e10, 6e8, 50, 1000, t));
  EXPECT_FALSE(models::is_innovation_leader(2e10, 6e8, 80, 700, t));
  EXPECT_FALSE(models::is_innovation_leader(5e9, 1.5e8, 20, 250, t));
  // No output: never a leader (no division by zero).
  EXPECT_FALSE(models::is_innovation_leader(0, 6e8, 80, 1000, t));
  // Exactly at every threshold counts: 5e8 / 2e10 = 2.5%, 60 / 20 = 3, 800 / 20 = 40.
  EXPECT_TRUE(models::is_innovation_leader(2e10, 5e8, 60, 800, t));
}

TEST(EconomicsRulesGoals, InnovationLeaderIsMeasuredPerYuanOfValueAdded) {
  // 20 bn of gross output at a value-added share of 0.2 is 4 bn of value added: R&D 1e8 is
  // 2.5% of it, 12 patents 3 per bn, 160 researchers 40 per bn, each exactly at its threshold.
  const models::LeadingTest t{0.025, 3, 40, 1e10, 0.2};
  EXPECT_TRUE(models::is_innovation_leader(2e10, 1e8, 12, 160, t));
  // Per bn of gross output the same cluster would fail every intensity test.
  const models::LeadingTest gross{0.025, 3, 40, 1e10, 1.0};
  EXPECT_FALSE(models::is_innovation_leader(2e10, 1e8, 12, 160, gross));
  // Just under each threshold per yuan of value added.
  EXPECT_FALSE(models::is_innovation_leader(2e10, 0.99e8, 12, 160, t));
  EXPECT_FALSE(models::is_innovation_leader(2e10, 1e8, 11.9, 160, t));
  EXPECT_FALSE(models::is_innovation_leader(2e10, 1e8, 12, 159, t));
}

}  // namespace
