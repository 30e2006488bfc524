// Ensemble summaries of goals and their reports (sim/run/goals.hpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/goals.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/calendar.hpp"
#include "sim/run/goals.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

// Found by reading: NaN went into std::sort, whose order it breaks (undefined behaviour; a
// result file's NaN could reach it). Callers drop or refuse NaN; quantile refuses it.
TEST(GoalsQuantile, RefusesNaN) {
  EXPECT_THROW(sim::quantile({1, kNaN, 2}, 0.5), std::invalid_argument);
  std::vector<double> many(40, 1.0);
  many[17] = kNaN;
  EXPECT_THROW(sim::quantile(many, 0.9), std::invalid_argument);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(sim::quantile({1, inf, 2}, 0.0), 1.0);  // infinities are ordered: no refusal
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

// The Monte Carlo error of a share: the 90% Clopper-Pearson interval. With none of n met the
// upper bound solves (1 - p)^n = 0.05; with all met the lower bound solves p^n = 0.05.
TEST(GoalsSummarise, ShareIntervalIsClopperPearson) {
  sim::GoalResults r;
  r.goals = {{"G1", "all", "clusters", 1.0, 2016.0}, {"G2", "none", "clusters", 1.0, 2016.0}};
  r.replicates = 32;
  r.met.assign(32, 1);
  r.met.resize(64, 0);
  r.value_at_deadline.assign(64, 1.0);
  r.first_met.assign(64, kNaN);
  const auto s = sim::summarise(r);
  EXPECT_NEAR(s[0].share_met_low, std::pow(0.05, 1.0 / 32), 1e-9);
  EXPECT_EQ(s[0].share_met_high, 1.0);
  EXPECT_EQ(s[1].share_met_low, 0.0);
  EXPECT_NEAR(s[1].share_met_high, 1 - std::pow(0.05, 1.0 / 32), 1e-9);  // 8.9%
  // 3 of the 4 decided replicates of five_replicates(): the 5% and 95% quantiles of Beta(3, 2)
  // and Beta(4, 1), 0.248605 and 0.987259 (scipy.stats.beta.ppf).
  const auto mid = sim::summarise(five_replicates());
  EXPECT_NEAR(mid[0].share_met_low, 0.248605, 1e-6);
  EXPECT_NEAR(mid[0].share_met_high, 0.987259, 1e-6);
  EXPECT_LT(mid[0].share_met_low, mid[0].share_met);
  EXPECT_GT(mid[0].share_met_high, mid[0].share_met);
  const std::string text = sim::goals_report_text(s);
  EXPECT_NE(text.find("met by 2015Q4 in 100% of 32 replicates (90% interval 91% to 100%)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("met by 2015Q4 in 0% of 32 replicates (90% interval 0% to 9%)"),
            std::string::npos)
      << text;
}

TEST(GoalsSummarise, AnUnreachableGoalSaysWhy) {
  sim::GoalResults r = five_replicates();
  r.goals[0].unreachable = "at most 3 clusters can count";
  const auto s = sim::summarise(r);
  const std::string text = sim::goals_report_text(s);
  EXPECT_NE(text.find("G1  5 clusters \"over\" the mark\n    unreachable: at most 3 clusters can "
                      "count\n"),
            std::string::npos)
      << text;
  const auto json = nlohmann::json::parse(sim::goals_report_json(s));
  EXPECT_EQ(json["goals"][0]["unreachable"], "at most 3 clusters can count");
  EXPECT_DOUBLE_EQ(json["goals"][0]["share_met_low"].get<double>(), s[0].share_met_low);
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
  // Due by the end of 2015Q4, which the decimal year 2016.0 marks: the quarter is given too.
  EXPECT_EQ(goals[0]["deadline_quarter"], "2015Q4") << json;
  // The quotes in the description survive.
  EXPECT_EQ(goals[0]["description"], "5 clusters \"over\" the mark") << json;
  // The undecided copy: nothing decided, never met -> nulls.
  const auto& last = goals[goals.size() - 1];
  for (const char* field :
       {"share_met", "value_median", "first_met_median", "first_met_earliest"}) {
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
