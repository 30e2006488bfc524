// The plan's goals (models/goals.hpp) and their ensemble summary (sim/goals.hpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "models/goals.hpp"
#include "models/world.hpp"
#include "sim/core/calendar.hpp"
#include "sim/run/goals.hpp"
#include "sim/config/scenario.hpp"

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

// --- quantile ------------------------------------------------------------------------------

TEST(GoalsQuantile, Type7Interpolation) {
  // {1, 2, 3, 4}: h = p (n - 1) = 3 p. p 0.5: h 1.5 -> 2 + 0.5 (3 - 2) = 2.5.
  // p 0.05: h 0.15 -> 1 + 0.15 (2 - 1) = 1.15. p 0.95: h 2.85 -> 3 + 0.85 = 3.85.
  EXPECT_DOUBLE_EQ(sim::quantile({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(sim::quantile({1, 2, 3, 4}, 0.05), 1.15);
  EXPECT_DOUBLE_EQ(sim::quantile({1, 2, 3, 4}, 0.95), 3.85);
  EXPECT_DOUBLE_EQ(sim::quantile({1, 2, 3, 4}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(sim::quantile({1, 2, 3, 4}, 1.0), 4.0);
}

TEST(GoalsQuantile, SortsItsInput) {
  // Same values in another order: median 2.5; {10, 0, 5} -> sorted {0, 5, 10}, median 5,
  // p 0.25: h 0.5 -> 2.5.
  EXPECT_DOUBLE_EQ(sim::quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(sim::quantile({10, 0, 5}, 0.5), 5.0);
  EXPECT_DOUBLE_EQ(sim::quantile({10, 0, 5}, 0.25), 2.5);
}

TEST(GoalsQuantile, SingleAndEmpty) {
  EXPECT_EQ(sim::quantile({7}, 0.05), 7.0);
  EXPECT_EQ(sim::quantile({7}, 0.95), 7.0);
  EXPECT_TRUE(std::isnan(sim::quantile({}, 0.5)));
}

// --- summarise -----------------------------------------------------------------------------

sim::GoalResults five_replicates() {
  sim::GoalResults r;
  r.goals = {{"G1", "5 clusters \"over\" the mark", "clusters", 5.0, 2016.0}};
  r.replicates = 5;
  r.met = {1, 0, 1, -1, 1};
  r.value_at_deadline = {6, 3, 5, kNaN, 7};
  r.first_met = {2015.5, kNaN, 2015.75, 2016.25, 2016.0};
  return r;
}

TEST(GoalsSummarise, SharesMedianAndInterval) {
  const auto s = sim::summarise(five_replicates());
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].goal.id, "G1");
  EXPECT_EQ(s[0].replicates, 5u);
  // Replicate 3 is undecided: decided 4, of which 3 met -> 0.75.
  EXPECT_EQ(s[0].decided, 4u);
  EXPECT_DOUBLE_EQ(s[0].share_met, 0.75);
  // Values of decided replicates sorted {3, 5, 6, 7}: median h 1.5 -> 5.5;
  // p05 h 0.15 -> 3 + 0.15 * 2 = 3.3; p95 h 2.85 -> 6 + 0.85 * 1 = 6.85.
  EXPECT_DOUBLE_EQ(s[0].value_median, 5.5);
  EXPECT_DOUBLE_EQ(s[0].value_p05, 3.3);
  EXPECT_DOUBLE_EQ(s[0].value_p95, 6.85);
  // Four of five replicates (the undecided one too) reach the target at some time: 0.8.
  EXPECT_DOUBLE_EQ(s[0].share_ever_met, 0.8);
  // First-met years sorted {2015.5, 2015.75, 2016.0, 2016.25}: median 2015.875, earliest
  // 2015.5.
  EXPECT_DOUBLE_EQ(s[0].first_met_median, 2015.875);
  EXPECT_DOUBLE_EQ(s[0].first_met_earliest, 2015.5);
}

TEST(GoalsSummarise, NothingDecidedAndNeverMet) {
  sim::GoalResults r;
  r.goals = {{"G3", "later", "clusters", 20.0, 2021.0}};
  r.replicates = 2;
  r.met = {-1, -1};
  r.value_at_deadline = {kNaN, kNaN};
  r.first_met = {kNaN, kNaN};
  const auto s = sim::summarise(r);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].decided, 0u);
  EXPECT_TRUE(std::isnan(s[0].share_met));
  EXPECT_TRUE(std::isnan(s[0].value_median));
  EXPECT_TRUE(std::isnan(s[0].value_p05));
  EXPECT_TRUE(std::isnan(s[0].value_p95));
  EXPECT_EQ(s[0].share_ever_met, 0.0);
  EXPECT_TRUE(std::isnan(s[0].first_met_median));
  EXPECT_TRUE(std::isnan(s[0].first_met_earliest));
}

TEST(GoalsSummarise, GoalsAreSummarisedSeparately) {
  // Two goals x two replicates, row-major [goal][replicate]: goal 0 met in both (values 5, 7),
  // goal 1 met in neither (values 1, 2).
  sim::GoalResults r;
  r.goals = {{"A", "a", "clusters", 5.0, 2016.0}, {"B", "b", "clusters", 20.0, 2021.0}};
  r.replicates = 2;
  r.met = {1, 1, 0, 0};
  r.value_at_deadline = {5, 7, 1, 2};
  r.first_met = {2015.25, 2016.0, kNaN, kNaN};
  const auto s = sim::summarise(r);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].share_met, 1.0);
  EXPECT_DOUBLE_EQ(s[0].value_median, 6.0);           // (5 + 7) / 2
  EXPECT_DOUBLE_EQ(s[0].first_met_median, 2015.625);  // (2015.25 + 2016.0) / 2
  EXPECT_EQ(s[1].share_met, 0.0);
  EXPECT_DOUBLE_EQ(s[1].value_median, 1.5);
  EXPECT_EQ(s[1].share_ever_met, 0.0);
}

// --- goals_report_json ---------------------------------------------------------------------

TEST(GoalsReportJson, ValidWithNullForNaN) {
  auto undecided = five_replicates();
  undecided.met = {-1, -1, -1, -1, -1};
  undecided.first_met = {kNaN, kNaN, kNaN, kNaN, kNaN};
  auto summaries = sim::summarise(five_replicates());
  const auto more = sim::summarise(undecided);
  summaries.insert(summaries.end(), more.begin(), more.end());
  const std::string json = sim::goals_report_json(summaries);

  ASSERT_TRUE(nlohmann::json::accept(json)) << json;
  const auto goals = nlohmann::json::parse(json)["goals"];
  ASSERT_EQ(goals.size(), summaries.size());
  // The first goal's numbers as computed in GoalsSummarise.SharesMedianAndInterval.
  EXPECT_EQ(goals[0]["share_met"], 0.75) << json;
  EXPECT_EQ(goals[0]["value_median"], 5.5) << json;
  EXPECT_EQ(goals[0]["decided"], 4) << json;
  EXPECT_EQ(goals[0]["deadline"], 2016.0) << json;
  // The quotes in the description survive.
  EXPECT_EQ(goals[0]["description"], "5 clusters \"over\" the mark") << json;
  // The undecided copy: nothing decided, never met -> nulls.
  const auto& last = goals[goals.size() - 1];
  for (const char* field : {"share_met", "value_median", "first_met_median", "first_met_earliest"}) {
    EXPECT_TRUE(last[field].is_null()) << field << " in " << json;
  }
}

TEST(GoalsReportJson, ControlCharactersAreEscaped) {
  auto r = five_replicates();
  r.goals[0].description = "line one\nline two\ttab \\ backslash";
  const std::string json = sim::goals_report_json(sim::summarise(r));
  ASSERT_TRUE(nlohmann::json::accept(json)) << json;
  EXPECT_EQ(nlohmann::json::parse(json)["goals"][0]["description"], r.goals[0].description);
}

TEST(GoalsReportJson, EmptyList) {
  const std::string json = sim::goals_report_json(std::vector<sim::GoalSummary>{});
  ASSERT_TRUE(nlohmann::json::accept(json)) << json;
  EXPECT_EQ(nlohmann::json::parse(json), nlohmann::json::parse(R"({"goals": []})"));
}

TEST(GoalsReportJson, InfinitiesAreNull) {
  // One infinite value makes the 95th percentile infinite, which JSON cannot hold.
  auto r = five_replicates();
  r.value_at_deadline[4] = std::numeric_limits<double>::infinity();
  const auto summaries = sim::summarise(r);
  ASSERT_TRUE(std::isinf(summaries[0].value_p95));
  const std::string json = sim::goals_report_json(summaries);
  ASSERT_TRUE(nlohmann::json::accept(json)) << json;
  EXPECT_TRUE(nlohmann::json::parse(json)["goals"][0]["value_p95"].is_null()) << json;
}

TEST(GoalsReportText, NamesQuartersAndShares) {
  // Deadline 2016.0 is the end of 2015Q4; 3 of 4 decided met = 75%; first reached median
  // 2015.875 -> quarter lround(8063.5) - 1 = 8064 - 1 = 8063 = 2015Q4, earliest 2015.5 = 2015Q2.
  const std::string text = sim::goals_report_text(sim::summarise(five_replicates()));
  EXPECT_NE(text.find("met by 2015Q4 in 75% of 4 replicates"), std::string::npos) << text;
  EXPECT_NE(text.find("median 5.5 (90% interval 3.3 to 6.85), target 5"), std::string::npos)
      << text;
  EXPECT_NE(text.find("(earliest 2015Q2), in 80% of replicates"), std::string::npos) << text;
}

}  // namespace
