// Sweep outcomes: every form of the expression language on a small table whose values are
// easy to sum by hand, and every error with the column it points at.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/analysis/outcome.hpp"
#include "sim/core/errors.hpp"

namespace {

// 2 points x 2 replicates x 8 quarters (2019Q1..2020Q4) x 2 clusters. Metric "output" is
// 1000 point + 100 replicate + 10 step + cluster, so every sum below has a closed form.
// Goals [point][goal][replicate]: G1 met in 1 of 2 replicates at point 0 and in both at point 1;
// G2 is undecided (-1) at point 1, replicate 0.
sim::SweepTable table() {
  sim::SweepTable t;
  t.points = 2;
  t.replicates = 2;
  t.steps = 8;
  t.clusters = 2;
  t.time_labels = {"2019Q1", "2019Q2", "2019Q3", "2019Q4", "2020Q1", "2020Q2", "2020Q3", "2020Q4"};
  t.goal_ids = {"G1", "G2"};
  t.metric_names = {"output", "patents", "sales_rate", "firms", "trailing", "price"};
  t.metric = [](const std::string& name) {
    std::vector<double> v;
    const double scale = name == "sales_rate" ? 4.0 : name == "patents" ? 0.0 : 1.0;
    for (int point = 0; point < 2; ++point) {
      for (int rep = 0; rep < 2; ++rep) {
        for (int step = 0; step < 8; ++step) {
          for (int c = 0; c < 2; ++c) {
            v.push_back(scale * (1000.0 * point + 100.0 * rep + 10.0 * step + c));
          }
        }
      }
    }
    return v;
  };
  // "output" and "patents" are flows; "sales_rate" is output as an annual rate (x4); "firms",
  // "trailing" and "price" hold output's numbers as a stock, a trailing year and a ratio.
  t.metric_kind = [](const std::string& name) {
    if (name == "sales_rate") return sim::MetricKind::AnnualRate;
    if (name == "firms") return sim::MetricKind::Stock;
    if (name == "trailing") return sim::MetricKind::TrailingYear;
    if (name == "price") return sim::MetricKind::Ratio;
    return sim::MetricKind::Flow;
  };
  t.goals = [](const std::string& field) -> std::vector<double> {
    if (field == "met") return {1, 0, 0, 0, /* point 1 */ 1, 1, -1, 1};
    if (field == "value_at_deadline") return {3, 5, 1, 2, /* point 1 */ 6, 8, NAN, 4};
    if (field == "cost_to_deadline") return {1e9, 3e9, 1e9, 1e9, /* point 1 */ 2e9, 2e9, NAN, 1e9};
    throw sim::InputError({"table", 0, 0}, "", "no goal field " + field);
  };
  return t;
}

std::vector<double> outcome(const std::string& expression) {
  return sim::evaluate_outcome(expression, table());
}

std::optional<sim::InputError> error_of(const std::string& expression,
                                        const sim::SweepTable& t = table()) {
  try {
    sim::evaluate_outcome(expression, t);
  } catch (const sim::InputError& e) {
    return e;
  }
  return std::nullopt;
}

void expect_error(const std::string& expression, int column, const std::string& detail) {
  SCOPED_TRACE(expression);
  const auto e = error_of(expression);
  ASSERT_TRUE(e.has_value()) << "no InputError";
  EXPECT_EQ(e->where().file, "--outcome");
  EXPECT_EQ(e->where().line, 1);
  EXPECT_EQ(e->where().column, column);
  EXPECT_EQ(e->key(), "--outcome");
  EXPECT_EQ(e->detail(), detail);
}

using Values = std::vector<double>;

TEST(Outcome, GoalShareValueAndCost) {
  EXPECT_EQ(outcome("G1"), (Values{0.5, 1.0}));
  EXPECT_EQ(outcome("G1.value"), (Values{4.0, 7.0}));
  EXPECT_EQ(outcome("G1.cost"), (Values{2e9, 2e9}));
  EXPECT_EQ(outcome("  G1 . value "), (Values{4.0, 7.0}));
}

TEST(Outcome, SumOverClustersAndPeriods) {
  // Whole run, per replicate: sum over 8 steps and 2 clusters of 1000 point + 100 rep + 10 t + c
  // = 16 (1000 point + 100 rep) + 20 (0 + ... + 7) + 8; the mean over rep = 0, 1 adds 800.
  EXPECT_EQ(outcome("sum(output)"), (Values{1368.0, 17368.0}));
  // 2020Q4 is step 7: 2 (1000 point + 100 rep + 70) + 1, mean over replicates.
  EXPECT_EQ(outcome("sum(output, 2020Q4)"), (Values{241.0, 2241.0}));
  // 2020: steps 4..7, 8 (1000 point + 100 rep) + 20 (4 + 5 + 6 + 7) + 4.
  EXPECT_EQ(outcome("sum(output, 2020)"), (Values{844.0, 8844.0}));
  // 2019Q3:2020Q2: steps 2..5, 8 (1000 point + 100 rep) + 20 (2 + 3 + 4 + 5) + 4.
  EXPECT_EQ(outcome("sum(output, 2019Q3:2020Q2)"), (Values{684.0, 8684.0}));
  EXPECT_EQ(outcome(" sum ( output , 2019q3 : 2020Q2 ) "), (Values{684.0, 8684.0}));
  // Years as ends of a range: 2019:2020 is the whole run.
  EXPECT_EQ(outcome("sum(output, 2019:2020)"), outcome("sum(output)"));
  EXPECT_EQ(outcome("sum(output, 2019Q2:2020)"), outcome("sum(output, 2019Q2:2020Q4)"));
  EXPECT_EQ(outcome("sum(patents)"), (Values{0.0, 0.0}));
}

TEST(Outcome, MeanOverQuarters) {
  // 2020: (8000 point + 800 rep + 444) / 4 per replicate.
  EXPECT_EQ(outcome("mean(output, 2020)"), (Values{211.0, 2211.0}));
  EXPECT_EQ(outcome("mean(output, 2020Q4)"), outcome("sum(output, 2020Q4)"));
  EXPECT_EQ(outcome("mean(output)"), (Values{1368.0 / 8, 17368.0 / 8}));
}

TEST(Outcome, ClustersAtLeastAThreshold) {
  // 2020Q4: point 0 has clusters 70, 71 (replicate 0) and 170, 171 (replicate 1).
  EXPECT_EQ(outcome("clusters(output >= 71, 2020Q4)"), (Values{1.5, 2.0}));
  EXPECT_EQ(outcome("clusters(output >= 171, 2020Q4)"), (Values{0.5, 2.0}));
  EXPECT_EQ(outcome("clusters(output>=1.71e2,2020Q4)"), (Values{0.5, 2.0}));
  // Whole run, per cluster: 8000 point + 800 rep + 280 + 8 c, so 280 and 288 at point 0, rep 0.
  EXPECT_EQ(outcome("clusters(output >= 285)"), (Values{1.5, 2.0}));
  EXPECT_EQ(outcome("clusters(output >= -1)"), (Values{2.0, 2.0}));
}

TEST(Outcome, EndIsTheLastQuarterOfThePeriod) {
  EXPECT_EQ(outcome("end(output, 2020)"), outcome("sum(output, 2020Q4)"));
  EXPECT_EQ(outcome("end(output, 2019Q2:2019Q3)"), outcome("sum(output, 2019Q3)"));
  EXPECT_EQ(outcome("end(output)"), outcome("sum(output, 2020Q4)"));
}

TEST(Outcome, ArithmeticCombinesRunValues) {
  // Per point: sum(output, 2020) is 844 and 8844, sum(output, 2019) 524 and 8524.
  EXPECT_EQ(outcome("sum(output, 2020) / sum(output, 2019)"),
            (Values{844.0 / 524.0, 8844.0 / 8524.0}));
  EXPECT_EQ(outcome("sum(output, 2020) - sum(output, 2019)"), (Values{320.0, 320.0}));
  // * and / bind before + and -, left to right; parentheses and unary minus as usual.
  EXPECT_EQ(outcome("1 + 2 * 3 - 8 / 4 / 2"), (Values{6.0, 6.0}));
  EXPECT_EQ(outcome("(1 + 2) * -(3)"), (Values{-9.0, -9.0}));
  EXPECT_EQ(outcome("2 * G1 + G1.value"), (Values{5.0, 9.0}));
  // A ratio over a zero is not a number, and stays that way.
  EXPECT_TRUE(std::isnan(outcome("sum(patents) / sum(patents)")[0]));
}

TEST(Outcome, NaNInAMetricIsNotSkipped) {
  sim::SweepTable t = table();
  t.metric = [](const std::string&) {
    std::vector<double> v(2 * 2 * 8 * 2, 1.0);
    v[3] = NAN;  // point 0, replicate 0, step 1, cluster 1
    return v;
  };
  const auto whole = sim::evaluate_outcome("sum(output)", t);
  EXPECT_TRUE(std::isnan(whole[0]));
  EXPECT_EQ(whole[1], 16.0);
  EXPECT_EQ(sim::evaluate_outcome("sum(output, 2020)", t), (Values{8.0, 8.0}));
}

// Found by reading: a shape whose product wraps around 2^64 (here 2^62 replicates of 2 quarters
// and 2 clusters: 0) matched an empty metric, and the loops walked 2^62 replicates past its end.
TEST(Outcome, AShapeWhoseSizeOverflowsIsRefused) {
  sim::SweepTable t = table();
  t.points = 1;
  t.replicates = std::size_t{1} << 62;
  t.steps = 2;
  t.clusters = 2;
  t.time_labels = {"2019Q1", "2019Q2"};
  t.metric = [](const std::string&) { return std::vector<double>{}; };
  t.goals = [](const std::string&) { return std::vector<double>{}; };
  EXPECT_THROW(sim::evaluate_outcome("sum(output)", t), std::invalid_argument);
  t.goal_ids = {"G1", "G2", "G3", "G4"};  // 4 goals x 2^62 replicates: 0 again
  EXPECT_THROW(sim::evaluate_outcome("G1", t), std::invalid_argument);
}

// fact(F) is each point's stylized fact, averaged over its replicates; a fact the sweep did not
// record, or any fact of a sweep that recorded none, is an error naming what there is.
TEST(Outcome, FactIsTheMeanOverReplicates) {
  sim::SweepTable t = table();
  t.fact_names = {"growth_sd", "size_tail_exponent"};
  t.fact = [](const std::string& name) -> std::vector<double> {
    if (name == "growth_sd") return {0.1, 0.3, /* point 1 */ 0.2, 0.2};
    return {1.0, NAN, /* point 1 */ 1.5, 2.5};
  };
  EXPECT_EQ(sim::evaluate_outcome("fact(growth_sd)", t), (Values{0.2, 0.2}));
  EXPECT_EQ(sim::evaluate_outcome("fact( growth_sd ) * 10", t), (Values{2.0, 2.0}));
  const auto tail = sim::evaluate_outcome("fact(size_tail_exponent)", t);
  EXPECT_TRUE(std::isnan(tail[0]));  // too few firms in one replicate: not a number
  EXPECT_EQ(tail[1], 2.0);
  const auto unknown = error_of("fact(kurtosis)", t);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->where().column, 6);
  EXPECT_EQ(unknown->detail(), "no fact 'kurtosis'; facts are growth_sd, size_tail_exponent");
  const auto none = error_of("fact(growth_sd)");
  ASSERT_TRUE(none.has_value());
  EXPECT_NE(none->detail().find("recorded no stylized facts"), std::string::npos) << none->detail();
  const auto period = error_of("fact(growth_sd, 2020)", t);
  ASSERT_TRUE(period.has_value());
  EXPECT_EQ(period->where().column, 15);
  EXPECT_EQ(period->detail(), "expected ')' to close fact(, found ','");
}

TEST(Outcome, UndecidedGoalIsAnError) {
  const std::string detail =
      "goal G2 is undecided at point 1 (replicate 0): the run ends before the goal's deadline";
  expect_error("G2", 1, detail);
  expect_error("  G2.value", 3, detail);
  expect_error("G2.cost", 1, detail);
}

TEST(Outcome, UnknownNamesListTheValidOnes) {
  expect_error("G9", 1, "no goal 'G9'; goals are G1, G2");
  expect_error("G1.price", 4,
               "no goal field 'price'; fields are value and cost (G1 alone is the share of "
               "replicates meeting it)");
  expect_error(
      "sum(revenue)", 5,
      "no metric 'revenue'; metrics are output, patents, sales_rate, firms, trailing, price");
  expect_error(
      "mean( revenue, 2020)", 7,
      "no metric 'revenue'; metrics are output, patents, sales_rate, firms, trailing, price");
  expect_error("median(output)", 1,
               "no function 'median'; functions are sum, mean, end, clusters and fact");
  expect_error("output", 1,
               "'output' is a metric: use sum(output), mean(output) or clusters(output >= X)");
}

TEST(Outcome, UnknownQuartersAndYears) {
  expect_error("sum(output, 2021Q1)", 13,
               "no quarter 2021Q1: the sweep runs from 2019Q1 to 2020Q4");
  expect_error("sum(output, 2018)", 13,
               "the year 2018 is not wholly in the sweep: the sweep runs from 2019Q1 to 2020Q4");
  expect_error("sum(output, 2019Q1:2021)", 20,
               "the year 2021 is not wholly in the sweep: the sweep runs from 2019Q1 to 2020Q4");
  expect_error("sum(output, 2020Q4:2019Q1)", 13, "the period 2020Q4:2019Q1 ends before it starts");
}

TEST(Outcome, MalformedExpressions) {
  const std::string forms =
      "a goal (G3, G3.value, G3.cost), sum(M), mean(M), end(M) or clusters(M >= X), each with "
      "an optional period (2020, 2020Q4, 2016Q1:2020Q4), a stylized fact fact(F), a number, or "
      "these combined with + - * / and parentheses";
  expect_error("", 1, "the outcome is empty; expected " + forms);
  expect_error("   ", 1, "the outcome is empty; expected " + forms);
  expect_error("(G1", 4, "expected ')' to close the parenthesis, found the end");
  expect_error("G1 /", 5, "expected " + forms + ", found the end");
  expect_error("2 * * G1", 5, "expected " + forms + ", found '*'");
  expect_error(std::string(65, '(') + "1" + std::string(65, ')'), 65,
               "the outcome nests deeper than 64 levels");
  expect_error("sum(output", 11, "expected ')' to close sum(, found the end");
  expect_error("sum(output) x", 13, "unexpected 'x' after the outcome");
  expect_error("G1 G2", 4, "unexpected 'G' after the outcome");
  expect_error("sum(2020)", 5, "expected a metric name, found '2'");
  expect_error("sum(output, 2020Q5)", 13,
               "expected a year (2020) or a quarter (2020Q4), found '2020Q5'");
  expect_error("sum(output, )", 13, "expected a year (2020) or a quarter (2020Q4), found ')'");
  expect_error("sum(output, 20)", 13, "expected a year (2020) or a quarter (2020Q4), found '20'");
  expect_error("sum(output, 2020:)", 18, "expected a year (2020) or a quarter (2020Q4), found ')'");
  expect_error("clusters(output > 5)", 17,
               "expected '>=' after the metric: clusters(M >= X) counts clusters at least X, "
               "found '>'");
  expect_error("clusters(output >= lots)", 20, "expected a finite number such as 100e9, found 'l'");
  expect_error("clusters(output >= inf)", 20, "expected a finite number such as 100e9, found 'i'");
  expect_error("sum(output >= 5)", 12, "expected ')' to close sum(, found '>'");
  expect_error("G1.", 4, "expected a goal field (value or cost), found the end");
}

// --- metric kinds: each adds up over quarters and clusters as what it is ------------------

TEST(OutcomeKinds, AnAnnualRateSumsToTheAmountInThePeriodNotFourTimesIt) {
  // sales_rate is output x 4: its sum over 2020 is 2020's output, once.
  EXPECT_EQ(outcome("sum(sales_rate, 2020)"), outcome("sum(output, 2020)"));
  EXPECT_EQ(outcome("sum(sales_rate)"), outcome("sum(output)"));
  // Its mean is the yearly rate: four times a quarter's mean.
  EXPECT_EQ(outcome("mean(sales_rate, 2020)"), (Values{4 * 211.0, 4 * 2211.0}));
  EXPECT_EQ(outcome("clusters(sales_rate >= 420, 2020)"), outcome("clusters(output >= 420, 2020)"));
}

TEST(OutcomeKinds, AStockCountsByItsLastQuarterAndCannotBeSummedOverQuarters) {
  EXPECT_EQ(outcome("end(firms, 2020)"), outcome("end(output, 2020)"));
  EXPECT_EQ(outcome("mean(firms, 2020)"), outcome("mean(output, 2020)"));
  // clusters() compares each cluster's level at the end of the period, not its sum.
  EXPECT_EQ(outcome("clusters(firms >= 71, 2020)"), outcome("clusters(output >= 71, 2020Q4)"));
  expect_error("sum(firms, 2020)", 5,
               "firms is a stock (a level at the end of each quarter; a period's value is its "
               "last quarter's): adding its quarters counts it once a quarter; use end(firms, "
               "P) for its level at the end of P or mean(firms, P) for its mean");
}

TEST(OutcomeKinds, ATrailingYearIsReadAtThePeriodsEnd) {
  EXPECT_EQ(outcome("end(trailing, 2020)"), outcome("end(output, 2020)"));
  EXPECT_EQ(outcome("clusters(trailing >= 71, 2020)"), outcome("clusters(output >= 71, 2020Q4)"));
  const auto e = error_of("sum(trailing, 2020)");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->detail().find("trailing is a trailing_year"), std::string::npos) << e->detail();
}

TEST(OutcomeKinds, ARatioIsComparedClusterByClusterAndNeverAdded) {
  // A cluster's mean over 2020 is 1000 point + 100 replicate + 55 + cluster: at point 0, 55 and
  // 56 in replicate 0, 155 and 156 in replicate 1. Added over 2020 it would be four times that.
  EXPECT_EQ(outcome("clusters(price >= 56, 2020)"), (Values{1.5, 2.0}));
  EXPECT_EQ(outcome("clusters(price >= 156, 2020)"), (Values{0.5, 2.0}));
  for (const char* function : {"sum", "mean", "end"}) {
    const std::string expression = std::string(function) + "(price, 2020)";
    const auto e = error_of(expression);
    ASSERT_TRUE(e.has_value()) << expression;
    EXPECT_EQ(e->where().column, std::string(function).size() + 2);
    EXPECT_NE(e->detail().find("price is a ratio"), std::string::npos) << e->detail();
    EXPECT_NE(e->detail().find("use clusters(price >= X[, P])"), std::string::npos);
  }
}

}  // namespace
