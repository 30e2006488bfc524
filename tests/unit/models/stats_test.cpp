// The stylized-fact statistics of `clustersim stats`, with hand-computed expectations.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "models/stats.hpp"
#include "sim/core/random.hpp"

namespace {

TEST(Stats, HillExponentByHand) {
  // Largest first: 8, 4 | 2 (the k-th, k = 2) ...: alpha = 2 / (ln(8/2) + ln(4/2)) = 2 / ln 8.
  EXPECT_DOUBLE_EQ(models::hill_tail_exponent({1, 2, 4, 8}, 2), 2.0 / std::log(8.0));
  // Too few values above the k-th, or k below 2: undefined.
  EXPECT_TRUE(std::isnan(models::hill_tail_exponent({1, 2}, 2)));
  EXPECT_TRUE(std::isnan(models::hill_tail_exponent({1, 2, 3, 4}, 1)));
  // Non-positive sizes are ignored.
  EXPECT_DOUBLE_EQ(models::hill_tail_exponent({0, -3, 1, 2, 4, 8}, 2), 2.0 / std::log(8.0));
}

TEST(Stats, HillExponentRecoversAParetoTail) {
  // x = u^(-1/alpha) is Pareto(alpha); the Hill estimate over the top k has standard error
  // alpha / sqrt(k), so 4 standard errors is a safe bound for a fixed seed.
  constexpr double kAlpha = 1.5;
  constexpr std::size_t kN = 100000, kK = 5000;
  std::vector<double> sizes;
  for (std::size_t i = 0; i < kN; ++i) {
    sim::RandomStream rng(1, 0, 0, 0, i);
    sizes.push_back(std::pow(rng.uniform(), -1.0 / kAlpha));
  }
  EXPECT_NEAR(models::hill_tail_exponent(sizes, kK), kAlpha, 4 * kAlpha / std::sqrt(double(kK)));
}

TEST(Stats, GrowthShapeByHand) {
  // {-1, 0, 0, 1}: mean 0, second moment 0.5, fourth 0.5, kurtosis 0.5 / 0.25 = 2; median 0,
  // mean absolute deviation 0.5. Log-likelihoods per observation: Laplace -ln(2 * 0.5) - 1 = -1,
  // normal -ln(sqrt(0.5) sqrt(2 pi)) - 1/2 = -ln(sqrt(pi)) - 1/2.
  const auto g = models::growth_shape({-1, 0, 0, 1});
  EXPECT_EQ(g.n, 4u);
  EXPECT_DOUBLE_EQ(g.mean, 0.0);
  EXPECT_DOUBLE_EQ(g.sd, std::sqrt(0.5));
  EXPECT_DOUBLE_EQ(g.kurtosis, 2.0);
  EXPECT_DOUBLE_EQ(g.laplace_location, 0.0);
  EXPECT_DOUBLE_EQ(g.laplace_scale, 0.5);
  EXPECT_NEAR(g.loglik_laplace_minus_normal, -1.0 + std::log(std::sqrt(M_PI)) + 0.5, 1e-12);
  // Fewer than four observations: nothing to say.
  EXPECT_TRUE(std::isnan(models::growth_shape({1, 2, 3}).kurtosis));
}

TEST(Stats, Correlation) {
  EXPECT_DOUBLE_EQ(models::correlation({1, 2, 3}, {2, 4, 6}), 1.0);
  EXPECT_DOUBLE_EQ(models::correlation({1, 2, 3}, {3, 2, 1}), -1.0);
  EXPECT_TRUE(std::isnan(models::correlation({1, 1, 1}, {1, 2, 3})));
}

// A snapshot of firms (replicate 0, one cluster) with the given ids, sales and R&D.
sim::Snapshot snapshot(const std::string& label, const std::vector<double>& ids,
                       const std::vector<double>& sales, const std::vector<double>& rd,
                       const std::vector<double>& a) {
  sim::Snapshot s;
  s.label = label;
  s.columns = {"replicate", "id", "cluster", "sales", "rd_reported", "log_productivity"};
  s.values = {std::vector<double>(ids.size(), 0.0),
              ids,
              std::vector<double>(ids.size(), 0.0),
              sales,
              rd,
              a};
  return s;
}

TEST(Stats, FirmStatsMatchesFirmsAcrossYearsAndBinsRd) {
  // Firms 1-4 a year apart: firm 4 leaves, firm 5 enters. Growth of 1, 2, 3: ln 2, ln 1, ln 0.5.
  const auto first =
      snapshot("2015Q4", {1, 2, 3, 4}, {100, 100, 100, 100}, {1, 1, 1, 1}, {0.0, 0.1, 0.2, 0.3});
  const auto second =
      snapshot("2016Q4", {1, 2, 3, 5}, {200, 100, 50, 80}, {6, 3.0, 1.4, 0}, {0.1, 0.2, 0.3, 0.4});
  const auto r = models::firm_stats({first, second}, {"2015Q4", "2016Q4"});
  EXPECT_EQ(r.first_date, "2015Q4");
  EXPECT_EQ(r.last_date, "2016Q4");
  EXPECT_EQ(r.firms_last, 4u);
  // Only three matched firms: growth_shape needs four, so its moments are undefined.
  EXPECT_EQ(r.growth.n, 3u);
  // Deviations from the cluster mean are the same both years (all moved by +0.1 but firm 4 left,
  // firm 5 entered): before {-0.15, -0.05, 0.05}, after {-0.15, -0.05, 0.05}: correlation 1.
  EXPECT_NEAR(r.productivity_persistence, 1.0, 1e-12);
  // R&D intensity at the last snapshot: 3%, 3%, 2.8%, 0%: bins [3, 3.5) twice, [2.5, 3), [0, 0.5).
  const auto bin = [&](double lower) {
    for (std::size_t b = 0; b < r.rd_bins.size(); ++b) {
      if (std::abs(r.rd_bins[b] - lower) < 1e-12) return r.rd_shares[b];
    }
    return -1.0;
  };
  EXPECT_DOUBLE_EQ(bin(0.03), 0.5);
  EXPECT_DOUBLE_EQ(bin(0.025), 0.25);
  EXPECT_DOUBLE_EQ(bin(0.0), 0.25);
  // Bunching at 3%: two firms at [3%, 3.25%), one at [2.75%, 3%): ratio 2.
  EXPECT_DOUBLE_EQ(r.bunching[0], 2.0);
}

// Found by reading: a log-productivity that is NaN (a damaged file's) went into std::sort
// through the quantiles, and an infinite one made the 90/10 ratio NaN. Both are left out.
TEST(Stats, NonFiniteLogProductivitiesAreLeftOutOfTheDispersion) {
  std::vector<double> ids, sales, rd, a;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(i + 1);
    sales.push_back(100);
    rd.push_back(1);
    a.push_back(0.1 * i);
  }
  const auto clean = models::firm_stats({snapshot("2016Q4", ids, sales, rd, a)}, {"2016Q4"});
  ASSERT_TRUE(std::isfinite(clean.productivity_90_10));
  for (const double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    auto damaged = ids, values = a;
    damaged.push_back(13);
    values.push_back(bad);
    auto more_sales = sales, more_rd = rd;
    more_sales.push_back(100);
    more_rd.push_back(1);
    const auto r =
        models::firm_stats({snapshot("2016Q4", damaged, more_sales, more_rd, values)}, {"2016Q4"});
    EXPECT_EQ(r.productivity_90_10, clean.productivity_90_10) << bad;
  }
}

}  // namespace
