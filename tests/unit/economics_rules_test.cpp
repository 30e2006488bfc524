// The pure rules of talent, platforms, incubators, funds, the new firm rules (credit, tax
// relief, losses, defaults, R&D under the levers) and the goal tests, each against values
// computed by hand (the arithmetic is in the comments).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/goals.hpp"
#include "models/incubator.hpp"
#include "models/platform.hpp"
#include "models/talent.hpp"
#include "models/tax.hpp"

namespace {

using models::FirmType;
using models::FundKind;

// --- tight_wage ----------------------------------------------------------------------------

TEST(EconomicsRulesTightWage, RisesWithDemandOverSupply) {
  // 100 * (150 / 100)^0.5 = 100 * sqrt(1.5) = 122.47448713915890.
  EXPECT_NEAR(models::tight_wage(100, 150, 100, 0.5), 122.4744871391589, 1e-9);
  // Balanced: ratio 1 gives the base for any elasticity.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 80, 80, 0.5), 100.0);
  // Elasticity 0: the base whatever the ratio.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 300, 100, 0.0), 100.0);
  // Elasticity 1, ratio 2: 200.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 200, 100, 1.0), 200.0);
}

TEST(EconomicsRulesTightWage, RatioClampedAtQuarterAndFour) {
  // Ratio 10 is clamped to 4: 100 * 4^0.5 = 200; 4^1 = 4 -> 400.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 1000, 100, 0.5), 200.0);
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 1000, 100, 1.0), 400.0);
  // Exactly 4 is not clamped further.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 400, 100, 1.0), 400.0);
  // Ratio 0.01 is clamped to 1/4: 100 * 0.25^0.5 = 50; 0.25^1 -> 25.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 1, 100, 0.5), 50.0);
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 1, 100, 1.0), 25.0);
  // No demand at all: also 1/4, not a zero wage.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 0, 100, 0.5), 50.0);
  // An empty pool counts as the tightest market (ratio 4), not infinity.
  EXPECT_DOUBLE_EQ(models::tight_wage(100, 50, 0, 0.5), 200.0);
}

// --- migration_matrix and region_links -----------------------------------------------------

TEST(EconomicsRulesMigration, RegionLinksWeighSameRegionPairs) {
  // Regions a, b, a with weight 2: same region (diagonal included) 2, others 1.
  const Eigen::MatrixXd l = models::region_links({"a", "b", "a"}, 2.0);
  Eigen::MatrixXd expected(3, 3);
  expected << 2, 1, 2, 1, 2, 1, 2, 1, 2;
  EXPECT_EQ(l, expected);
}

TEST(EconomicsRulesMigration, RowsSumToOneAndFavourAttractiveClusters) {
  // beta 1, attractiveness (0, ln 2, ln 3): weights exp(beta A) = 1, 2, 3. With all links 1
  // every row is (1, 2, 3) / 6: staying (the diagonal) is one of the choices.
  Eigen::VectorXd a(3);
  a << 0.0, std::log(2.0), std::log(3.0);
  const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(3, 3);
  const Eigen::MatrixXd p = models::migration_matrix(a, ones, 1.0);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(p(c, 0), 1.0 / 6, 1e-12);
    EXPECT_NEAR(p(c, 1), 2.0 / 6, 1e-12);
    EXPECT_NEAR(p(c, 2), 3.0 / 6, 1e-12);
    EXPECT_NEAR(p.row(c).sum(), 1.0, 1e-12);
    EXPECT_GT(p(c, c), 0.0);  // staying included
  }
  // Higher attractiveness gets more.
  EXPECT_GT(p(0, 2), p(0, 1));
  EXPECT_GT(p(0, 1), p(0, 0));
}

TEST(EconomicsRulesMigration, LinksWeightTheChoice) {
  // Same weights (1, 2, 3); regions x, x, y with same-region weight 3:
  // L = [[3, 3, 1], [3, 3, 1], [1, 1, 3]].
  // Row 0: (3*1, 3*2, 1*3) = (3, 6, 3) / 12 = (0.25, 0.5, 0.25).
  // Row 2: (1*1, 1*2, 3*3) = (1, 2, 9) / 12.
  Eigen::VectorXd a(3);
  a << 0.0, std::log(2.0), std::log(3.0);
  const Eigen::MatrixXd p =
      models::migration_matrix(a, models::region_links({"x", "x", "y"}, 3.0), 1.0);
  EXPECT_NEAR(p(0, 0), 0.25, 1e-12);
  EXPECT_NEAR(p(0, 1), 0.50, 1e-12);
  EXPECT_NEAR(p(0, 2), 0.25, 1e-12);
  EXPECT_NEAR(p(1, 0), 0.25, 1e-12);
  EXPECT_NEAR(p(2, 0), 1.0 / 12, 1e-12);
  EXPECT_NEAR(p(2, 1), 2.0 / 12, 1e-12);
  EXPECT_NEAR(p(2, 2), 9.0 / 12, 1e-12);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(p.row(c).sum(), 1.0, 1e-12);
}

TEST(EconomicsRulesMigration, ZeroSensitivityFollowsLinksOnlyAndLargeValuesStayFinite) {
  // beta 0: exp(0) = 1 for all, so with links 1 every entry is 1/3.
  Eigen::VectorXd a(3);
  a << 5.0, -3.0, 100.0;
  const Eigen::MatrixXd p0 = models::migration_matrix(a, Eigen::MatrixXd::Ones(3, 3), 0.0);
  for (int c = 0; c < 3; ++c)
    for (int d = 0; d < 3; ++d) EXPECT_NEAR(p0(c, d), 1.0 / 3, 1e-12);
  // beta 10 with A = 100: exp(1000) would overflow; subtracting the top keeps it finite and
  // the most attractive cluster takes (almost) everyone.
  const Eigen::MatrixXd p = models::migration_matrix(a, Eigen::MatrixXd::Ones(3, 3), 10.0);
  EXPECT_TRUE(p.allFinite());
  EXPECT_NEAR(p(1, 2), 1.0, 1e-12);
}

TEST(EconomicsRulesMigration, RowWithoutLinksStaysPut) {
  // A row of zero links has total 0: everyone stays.
  Eigen::VectorXd a(2);
  a << 0.0, 1.0;
  Eigen::MatrixXd links(2, 2);
  links << 0, 0, 1, 1;
  const Eigen::MatrixXd p = models::migration_matrix(a, links, 1.0);
  EXPECT_EQ(p(0, 0), 1.0);
  EXPECT_EQ(p(0, 1), 0.0);
  EXPECT_NEAR(p.row(1).sum(), 1.0, 1e-12);
}

// --- attractiveness ------------------------------------------------------------------------

TEST(EconomicsRulesAttractiveness, RelativeWageAndProductivityPlusAmenity) {
  // Active clusters (researchers > 0, finite productivity): 0 and 1. Mean wage (100 + 200) / 2
  // = 150, mean a (0.1 + 0.3) / 2 = 0.2.
  // A0 = 100/150 + exp(0.1 - 0.2) + 0   = 0.6666667 + 0.9048374 = 1.5715040847
  // A1 = 200/150 + exp(0.3 - 0.2) + 0.5 = 1.3333333 + 1.1051709 + 0.5 = 2.9385042514
  // A2 = amenity only (no researchers): -0.2
  const Eigen::VectorXd a =
      models::attractiveness({100, 200, 300}, {0.1, 0.3, 0.2}, {0.0, 0.5, -0.2}, {10, 20, 0});
  ASSERT_EQ(a.size(), 3);
  EXPECT_NEAR(a(0), 1.5715040847026263, 1e-12);
  EXPECT_NEAR(a(1), 2.9385042514089807, 1e-12);
  EXPECT_DOUBLE_EQ(a(2), -0.2);
}

TEST(EconomicsRulesAttractiveness, ClusterWithoutFirmsCountsOnlyItsAmenity) {
  // Cluster 1's productivity is NaN (no firms): it is left out of the means and gets its
  // amenity. The others: mean wage 150, mean a 0.2; A0 = 100/150 + exp(-0.1),
  // A2 = 200/150 + exp(0.1).
  const double nan = std::nan("");
  const Eigen::VectorXd a =
      models::attractiveness({100, 999, 200}, {0.1, nan, 0.3}, {0, 0.7, 0}, {10, 10, 10});
  EXPECT_NEAR(a(0), 100.0 / 150 + std::exp(-0.1), 1e-12);
  EXPECT_DOUBLE_EQ(a(1), 0.7);
  EXPECT_NEAR(a(2), 200.0 / 150 + std::exp(0.1), 1e-12);
  // Equal clusters are equally attractive: 1 + exp(0) = 2.
  const Eigen::VectorXd same = models::attractiveness({5, 5}, {0.4, 0.4}, {0, 0}, {1, 1});
  EXPECT_DOUBLE_EQ(same(0), 2.0);
  EXPECT_DOUBLE_EQ(same(1), 2.0);
}

// --- migrate -------------------------------------------------------------------------------

TEST(EconomicsRulesMigrate, MovesTheMobileShareAndConservesEverything) {
  models::TalentPools pools(3);
  pools.free = {100, 50, 0};
  pools.free_programme = {10, 0, 0};
  pools.free_knowledge = {50, 50, 0};  // mean a 0.5 and 1.0
  pools.outflow = {1, 0, 0};           // e.g. retirements recorded earlier: flows add up
  Eigen::MatrixXd p(3, 3);
  p << 0.5, 0.25, 0.25, 0.2, 0.6, 0.2, 0.1, 0.1, 0.8;
  models::migrate(pools, p, 0.2);
  // Mobile: 0.2 * (100, 50, 0) = (20, 10, 0). Leave shares 0.2 * (0.5, 0.4, 0.2) = (0.1, 0.08,
  // 0.04): out (10, 4, 0). In: cluster 0 gets 0.2 * 10 = 2; cluster 1 gets 0.25 * 20 = 5;
  // cluster 2 gets 0.25 * 20 + 0.2 * 10 = 7. Pools: (92, 51, 7).
  EXPECT_NEAR(pools.free[0], 92, 1e-12);
  EXPECT_NEAR(pools.free[1], 51, 1e-12);
  EXPECT_NEAR(pools.free[2], 7, 1e-12);
  EXPECT_NEAR(pools.inflow[0], 2, 1e-12);
  EXPECT_NEAR(pools.inflow[1], 5, 1e-12);
  EXPECT_NEAR(pools.inflow[2], 7, 1e-12);
  EXPECT_NEAR(pools.outflow[0], 1 + 10, 1e-12);
  EXPECT_NEAR(pools.outflow[1], 4, 1e-12);
  EXPECT_NEAR(pools.outflow[2], 0, 1e-12);
  // Programme: mobile (2, 0, 0); out 0.1 * 10 = 1; in (0, 0.25 * 2, 0.25 * 2) -> (9, .5, .5).
  EXPECT_NEAR(pools.free_programme[0], 9, 1e-12);
  EXPECT_NEAR(pools.free_programme[1], 0.5, 1e-12);
  EXPECT_NEAR(pools.free_programme[2], 0.5, 1e-12);
  // Knowledge: mobile (10, 10, 0); out (5, 4, 0); in (0.2 * 10, 0.25 * 10, 0.25 * 10 + 0.2 *
  // 10) = (2, 2.5, 4.5) -> (47, 48.5, 4.5).
  EXPECT_NEAR(pools.free_knowledge[0], 47, 1e-12);
  EXPECT_NEAR(pools.free_knowledge[1], 48.5, 1e-12);
  EXPECT_NEAR(pools.free_knowledge[2], 4.5, 1e-12);
  // Totals conserved: people 150, programme 10, knowledge 100.
  const auto sum = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0);
  };
  EXPECT_NEAR(sum(pools.free), 150, 1e-9);
  EXPECT_NEAR(sum(pools.free_programme), 10, 1e-9);
  EXPECT_NEAR(sum(pools.free_knowledge), 100, 1e-9);
  // Movers carry their former employer's knowledge: cluster 2's seekers hold the mix
  // (0.5 * 5 + 1.0 * 2) / 7.
  EXPECT_NEAR(pools.free_knowledge[2] / pools.free[2], 4.5 / 7, 1e-12);
}

TEST(EconomicsRulesMigrate, InflowEqualsOthersOutflowsOnARandomishMatrix) {
  // Any row-stochastic matrix: the inflow of d is sum over c != d of mobile(c) P(c, d), and
  // total inflow equals total outflow (moves between clusters only).
  models::TalentPools pools(4);
  pools.free = {120, 30, 75, 9};
  pools.free_programme = {3, 1, 0, 2};
  pools.free_knowledge = {12, -6, 30, 0.9};
  Eigen::VectorXd a(4);
  a << 0.3, 1.2, -0.4, 0.8;
  const Eigen::MatrixXd p =
      models::migration_matrix(a, models::region_links({"r", "s", "r", "t"}, 2.5), 1.7);
  const std::vector<double> before = pools.free;
  models::migrate(pools, p, 0.15);
  double in_total = 0, out_total = 0, people = 0;
  for (int d = 0; d < 4; ++d) {
    double expected_in = 0;
    for (int c = 0; c < 4; ++c) {
      if (c != d) expected_in += 0.15 * before[static_cast<std::size_t>(c)] * p(c, d);
    }
    const auto i = static_cast<std::size_t>(d);
    EXPECT_NEAR(pools.inflow[i], expected_in, 1e-9);
    EXPECT_NEAR(pools.outflow[i], 0.15 * before[i] * (1.0 - p(d, d)), 1e-9);
    in_total += pools.inflow[i];
    out_total += pools.outflow[i];
    people += pools.free[i];
  }
  EXPECT_NEAR(in_total, out_total, 1e-9);
  EXPECT_NEAR(people, 234, 1e-9);
}

// --- fill_by_priority and average_skill ----------------------------------------------------

TEST(EconomicsRulesFillByPriority, BackboneFirstThenSmeThenStartups) {
  // Wanted (10, 20, 30), 25 available: backbone gets all 10, SMEs 15 of 20, startups none.
  auto fill = models::fill_by_priority({10, 20, 30}, 25);
  EXPECT_DOUBLE_EQ(fill[0], 1.0);
  EXPECT_DOUBLE_EQ(fill[1], 0.75);
  EXPECT_DOUBLE_EQ(fill[2], 0.0);
  // 5 available: half the backbone wish, nothing else.
  fill = models::fill_by_priority({10, 20, 30}, 5);
  EXPECT_DOUBLE_EQ(fill[0], 0.5);
  EXPECT_DOUBLE_EQ(fill[1], 0.0);
  EXPECT_DOUBLE_EQ(fill[2], 0.0);
  // Plenty: everyone filled.
  fill = models::fill_by_priority({10, 20, 30}, 100);
  EXPECT_EQ(fill, (std::array<double, 3>{1, 1, 1}));
  // A type that wants nothing counts as filled and takes nothing: startups get 25 - 20 = 5
  // of 30.
  fill = models::fill_by_priority({0, 20, 30}, 25);
  EXPECT_DOUBLE_EQ(fill[0], 1.0);
  EXPECT_DOUBLE_EQ(fill[1], 1.0);
  EXPECT_NEAR(fill[2], 5.0 / 30, 1e-15);
  // A negative pool is no pool.
  fill = models::fill_by_priority({10, 0, 0}, -3);
  EXPECT_DOUBLE_EQ(fill[0], 0.0);
}

TEST(EconomicsRulesAverageSkill, RecruitsCountProgrammeSkill) {
  // 10 researchers of whom 2 recruits at skill 3: 1 + (3 - 1) * 2 / 10 = 1.4.
  EXPECT_DOUBLE_EQ(models::average_skill(10, 2, 3), 1.4);
  // All recruits at skill 2: 2.
  EXPECT_DOUBLE_EQ(models::average_skill(10, 10, 2), 2.0);
  // Nobody employed: 1, not 0/0.
  EXPECT_DOUBLE_EQ(models::average_skill(0, 0, 3), 1.0);
}

// --- platforms -----------------------------------------------------------------------------

models::PlatformParams platform_params() {
  models::PlatformParams p{};
  p.depreciation = 0.025;
  p.new_platform_size = 100;
  p.kind_share = {0.3, 0.5, 0.2};
  p.half_intensity = 0.01;
  p.labour_effect = 0.3;
  p.shared_effect = 0.2;
  p.frontier_growth = 0.0025;
  p.frontier_effect = 0.004;
  return p;
}

TEST(EconomicsRulesPlatformEffect, SaturatesAtTheFullEffect) {
  // x = 1e7 / 1e9 = 0.01 = half: 0.3 * 0.01 / 0.02 = 0.15 (half the full effect).
  EXPECT_NEAR(models::platform_effect(1e7, 1e9, 0.01, 0.3), 0.15, 1e-15);
  // x = 0.03: 0.3 * 0.03 / 0.04 = 0.225.
  EXPECT_NEAR(models::platform_effect(3e7, 1e9, 0.01, 0.3), 0.225, 1e-15);
  // Huge capital approaches (never exceeds) the full effect.
  EXPECT_LT(models::platform_effect(1e15, 1e9, 0.01, 0.3), 0.3);
  EXPECT_NEAR(models::platform_effect(1e15, 1e9, 0.01, 0.3), 0.3, 1e-6);
  // No capital, or no output: no effect.
  EXPECT_EQ(models::platform_effect(0, 1e9, 0.01, 0.3), 0.0);
  EXPECT_EQ(models::platform_effect(1e7, 0, 0.01, 0.3), 0.0);
}

TEST(EconomicsRulesPlatformEffect, EachKindDrivesItsChannel) {
  // Output 1e9. Key labs 3e7 (x 0.03), engineering centres 1e7 (x 0.01), shared 1e8 (x 0.1).
  // labour   = 0.3 * 0.01 / 0.02 = 0.15
  // shared   = 0.2 * 0.1 / 0.11  = 0.18181818
  // frontier = 0.0025 + 0.004 * 0.03 / 0.04 = 0.0025 + 0.003 = 0.0055
  const auto e = models::platform_effects({3e7, 1e7, 1e8}, 1e9, platform_params());
  EXPECT_NEAR(e.labour, 0.15, 1e-15);
  EXPECT_NEAR(e.shared, 0.2 * 0.1 / 0.11, 1e-15);
  EXPECT_NEAR(e.frontier_growth, 0.0055, 1e-15);
  // Without platforms only the base frontier growth remains.
  const auto none = models::platform_effects({0, 0, 0}, 1e9, platform_params());
  EXPECT_EQ(none.labour, 0.0);
  EXPECT_EQ(none.shared, 0.0);
  EXPECT_DOUBLE_EQ(none.frontier_growth, 0.0025);
}

double platform_total(const models::PlatformTable& t, std::uint16_t cluster) {
  double total = 0;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t.cluster[i] == cluster) total += t.capital[i];
  return total;
}

TEST(EconomicsRulesPlatformInvestment, FillsNewestPlatformThenOpensNewOnes) {
  models::PlatformTable t;
  // Another cluster's key lab with room: never filled by cluster 1's money.
  const std::size_t other = t.agents.append(1);
  t.cluster[other] = 0;
  t.kind[other] = 0;
  t.capital[other] = 10;
  const auto p = platform_params();
  // 250 into cluster 1, size 100, shares (0.3, 0.5, 0.2): key labs 75 (one new platform of
  // 75), engineering 125 (100 + 25), shared 50 (one of 50).
  models::invest_in_platforms(t, 1, 250, p);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.capital, (std::vector<double>{10, 75, 100, 25, 50}));
  EXPECT_EQ(t.kind, (std::vector<std::uint8_t>{0, 0, 1, 1, 2}));
  EXPECT_EQ(t.cluster, (std::vector<std::uint16_t>{0, 1, 1, 1, 1}));
  // Another 250: key labs 75 fill the 75-platform to 100 (+25) and open one of 50;
  // engineering 125 fills the 25-platform (+75) and opens one of 50; shared 50 fills 50 -> 100.
  models::invest_in_platforms(t, 1, 250, p);
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t.capital, (std::vector<double>{10, 100, 100, 100, 100, 50, 50}));
  EXPECT_EQ(t.kind, (std::vector<std::uint8_t>{0, 0, 1, 1, 2, 0, 1}));
  // Total capital added equals the investment; the other cluster is untouched.
  EXPECT_DOUBLE_EQ(platform_total(t, 1), 500.0);
  EXPECT_DOUBLE_EQ(platform_total(t, 0), 10.0);
  // No (or negative) investment changes nothing.
  models::invest_in_platforms(t, 1, 0, p);
  models::invest_in_platforms(t, 1, -50, p);
  EXPECT_EQ(t.size(), 7u);
  EXPECT_DOUBLE_EQ(platform_total(t, 1), 500.0);
}

TEST(EconomicsRulesPlatformInvestment, KindSharesAndTotalsForLargeInvestments) {
  models::PlatformTable t;
  auto p = platform_params();
  p.kind_share = {0.6, 0.0, 0.4};  // no engineering centres at all
  // 1234.5: key labs 740.7 (7 full platforms + 40.7), shared 493.8 (4 full + 93.8).
  models::invest_in_platforms(t, 2, 1234.5, p);
  std::array<double, 3> by_kind{};
  std::array<int, 3> count{};
  for (std::size_t i = 0; i < t.size(); ++i) {
    by_kind[t.kind[i]] += t.capital[i];
    count[t.kind[i]] += 1;
    EXPECT_LE(t.capital[i], p.new_platform_size);
  }
  EXPECT_NEAR(by_kind[0], 740.7, 1e-9);
  EXPECT_EQ(by_kind[1], 0.0);
  EXPECT_NEAR(by_kind[2], 493.8, 1e-9);
  EXPECT_EQ(count, (std::array<int, 3>{8, 0, 5}));
  EXPECT_NEAR(platform_total(t, 2), 1234.5, 1e-9);
}

// --- incubators ----------------------------------------------------------------------------

double funded_open(const models::IncubatorTable& t, std::uint16_t c, bool backbone_only) {
  double slots = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.cluster[i] != c || t.funded[i] == 0 || t.open[i] == 0) continue;
    if (!backbone_only || t.host[i] != 0) slots += t.capacity[i];
  }
  return slots;
}

TEST(EconomicsRulesIncubators, OpensToTargetRespectingTheBackboneShare) {
  models::IncubatorTable t;
  // A starting (not funded) incubator of the same cluster is neither counted nor closed.
  const std::size_t stock = t.agents.append(1);
  t.cluster[stock] = 0;
  t.capacity[stock] = 30;
  t.open[stock] = 1;
  models::HostCandidates hosts{{7, 9, 11}, 0};
  // Target 120 in incubators of 50, backbone share 0.5:
  // 1st, 50 slots: 0 + 50 <= 0.5 * 50 = 25? no -> public.
  // 2nd, 50 slots: 50 <= 0.5 * 100 = 50 -> backbone, host 7 (stored as 7 + 1).
  // 3rd, 20 slots (the rest): 50 + 20 <= 0.5 * 120 = 60? no -> public.
  const auto closed = models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50);
  EXPECT_TRUE(closed.empty());
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t.capacity, (std::vector<double>{30, 50, 50, 20}));
  EXPECT_EQ(t.host, (std::vector<std::uint64_t>{0, 0, 8, 0}));
  EXPECT_EQ(t.funded, (std::vector<std::uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(hosts.next, 1u);
  EXPECT_DOUBLE_EQ(funded_open(t, 0, false), 120.0);
  EXPECT_LE(funded_open(t, 0, true), 0.5 * 120.0);
  // The same target again changes nothing.
  EXPECT_TRUE(models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50).empty());
  EXPECT_EQ(t.size(), 4u);
}

TEST(EconomicsRulesIncubators, FallsBackToPublicWithoutHosts) {
  models::IncubatorTable t;
  // Share 1 wants every incubator backbone-run, but there is one host only.
  models::HostCandidates hosts{{42}, 0};
  models::adjust_funded_capacity(t, 3, 150, 1.0, hosts, 50);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.host, (std::vector<std::uint64_t>{43, 0, 0}));
  EXPECT_EQ(t.cluster, (std::vector<std::uint16_t>{3, 3, 3}));
  // Share 0: all public even with hosts.
  models::IncubatorTable u;
  models::HostCandidates many{{1, 2, 3}, 0};
  models::adjust_funded_capacity(u, 0, 100, 0.0, many, 50);
  EXPECT_EQ(u.host, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(many.next, 0u);
}

TEST(EconomicsRulesIncubators, ClosesNewestFirstWhenTheTargetFalls) {
  models::IncubatorTable t;
  models::HostCandidates hosts{{7, 9, 11}, 0};
  models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50);  // 50 public, 50 host 7, 20 public
  // Target 60: close the 20 (id 2): 100 > 60; close the 50 (id 1): 50 <= 60; then open 10.
  const auto closed = models::adjust_funded_capacity(t, 0, 60, 0.0, hosts, 50);
  EXPECT_EQ(closed, (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(t.open, (std::vector<std::uint8_t>{1, 0, 0, 1}));
  EXPECT_DOUBLE_EQ(t.capacity[3], 10.0);
  EXPECT_DOUBLE_EQ(funded_open(t, 0, false), 60.0);
  // Target 0 closes everything funded.
  const auto all = models::adjust_funded_capacity(t, 0, 0, 0.0, hosts, 50);
  EXPECT_EQ(all, (std::vector<std::uint64_t>{3, 0}));
  EXPECT_DOUBLE_EQ(funded_open(t, 0, false), 0.0);
}

TEST(EconomicsRulesIncubators, BackboneShareRespectedAfterAPartialClose) {
  // Closing a backbone-run incubator frees its slots from the backbone-run count, so the rest
  // of the target reopens with the right share.
  // Funded: 50 public (id 0), 50 host 7 (id 1), 20 public (id 2). New target 60, share 0.5:
  // ids 2 and 1 close, leaving 50 public slots and no backbone-run slot; the 10 slots to
  // reopen are backbone-run (0 + 10 <= 0.5 * 60 = 30) with the next host (9).
  models::IncubatorTable t;
  models::HostCandidates hosts{{7, 9, 11}, 0};
  models::adjust_funded_capacity(t, 0, 120, 0.5, hosts, 50);
  models::adjust_funded_capacity(t, 0, 60, 0.5, hosts, 50);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t.host[3], 10u);
  EXPECT_DOUBLE_EQ(funded_open(t, 0, true), 10.0);
}

// --- fund rules ----------------------------------------------------------------------------

TEST(EconomicsRulesFundRules, PrivateRealisation) {
  // 0.45 * (1 + 0.5 * (1.2 - 1)) * (1 + 1 * 0.2) = 0.45 * 1.1 * 1.2 = 0.594.
  EXPECT_NEAR(models::private_realisation(0.45, 1.2, 0.5, 0.2, 1.0), 0.594, 1e-12);
  // At multiple 1 without concession: the base.
  EXPECT_DOUBLE_EQ(models::private_realisation(0.45, 1.0, 0.5, 0.0, 1.0), 0.45);
  // Clamped above at 1: 0.9 * (1 + 1 * 1) = 1.8 -> 1.
  EXPECT_DOUBLE_EQ(models::private_realisation(0.9, 2.0, 1.0, 0.0, 1.0), 1.0);
  // Clamped below at 0: 0.45 * (1 + 2 * (0 - 1)) = -0.45 -> 0.
  EXPECT_DOUBLE_EQ(models::private_realisation(0.45, 0.0, 2.0, 0.0, 1.0), 0.0);
  // Rises with the lagged multiple and with the concession.
  EXPECT_GT(models::private_realisation(0.45, 1.5, 0.5, 0.0, 1.0),
            models::private_realisation(0.45, 1.0, 0.5, 0.0, 1.0));
  EXPECT_GT(models::private_realisation(0.45, 1.0, 0.5, 0.3, 1.0),
            models::private_realisation(0.45, 1.0, 0.5, 0.1, 1.0));
}

TEST(EconomicsRulesFundRules, PrivateVcCommitment) {
  // 0.001 * 1e10 * (1 + 1 * 0.2) = 1.2e7.
  EXPECT_NEAR(models::private_vc_commitment(0.001, 1e10, 1.2, 1.0), 1.2e7, 1e-6);
  // Poor returns stop commitments: 1 + 2 * (0 - 1) < 0 -> 0.
  EXPECT_EQ(models::private_vc_commitment(0.001, 1e10, 0.0, 2.0), 0.0);
  // No output, no VC.
  EXPECT_EQ(models::private_vc_commitment(0.001, -5e9, 1.2, 1.0), 0.0);
}

TEST(EconomicsRulesFundRules, ValuationStakeExitAndGovernmentPart) {
  // Valuation: max(0, equity, multiple * sales).
  EXPECT_DOUBLE_EQ(models::firm_valuation(1e8, 2e8, 1.5), 2e8);    // equity 2e8 > 1.5e8
  EXPECT_DOUBLE_EQ(models::firm_valuation(1e8, 1e7, 1.5), 1.5e8);  // sales-based
  EXPECT_DOUBLE_EQ(models::firm_valuation(0, -5e6, 1.5), 0.0);     // never negative
  // Stake: 2e7 / (6e7 + 2e7) = 0.25; no ticket, no stake; negative pre-money counts as 0.
  EXPECT_DOUBLE_EQ(models::equity_stake(2e7, 6e7), 0.25);
  EXPECT_EQ(models::equity_stake(0, 6e7), 0.0);
  EXPECT_DOUBLE_EQ(models::equity_stake(2e7, -1e7), 1.0);
  // Exit: 0.03 * exp(3 * 0) = 0.03; a gap of ln 2 / 3 doubles it; capped at 1
  // (0.5 * e^3 = 10.04).
  EXPECT_DOUBLE_EQ(models::exit_probability(0.03, 3, 0), 0.03);
  EXPECT_NEAR(models::exit_probability(0.03, 3, std::log(2.0) / 3), 0.06, 1e-15);
  EXPECT_EQ(models::exit_probability(0.5, 3, 1.0), 1.0);
  EXPECT_LT(models::exit_probability(0.03, 3, -1.0), 0.03);
  // Government part: proceeds 300, cost 100, share 0.4, concession 0.25:
  // gain 200; 0.4 * 300 - 0.25 * 0.4 * 200 = 120 - 20 = 100.
  EXPECT_DOUBLE_EQ(models::government_part(300, 100, 0.4, 0.25), 100.0);
  EXPECT_DOUBLE_EQ(models::government_part(300, 100, 0.4, 0.0), 120.0);
  // No gain, nothing conceded: 0.4 * 80 = 32.
  EXPECT_DOUBLE_EQ(models::government_part(80, 100, 0.4, 0.25), 32.0);
  // Full concession: the government gets back its share of the cost only (0.4 * 100).
  EXPECT_DOUBLE_EQ(models::government_part(300, 100, 0.4, 1.0), 40.0);
}

TEST(EconomicsRulesFundRules, FundTargets) {
  using models::is_fund_target;
  EXPECT_TRUE(is_fund_target(FundKind::Angel, FirmType::Startup));
  EXPECT_FALSE(is_fund_target(FundKind::Angel, FirmType::Sme));
  EXPECT_FALSE(is_fund_target(FundKind::Angel, FirmType::Backbone));
  for (FundKind k : {FundKind::GuideSubFund, FundKind::PrivateVc}) {
    EXPECT_TRUE(is_fund_target(k, FirmType::Startup));
    EXPECT_TRUE(is_fund_target(k, FirmType::Sme));
    EXPECT_FALSE(is_fund_target(k, FirmType::Backbone));
  }
}

// --- FundMarket ----------------------------------------------------------------------------

models::FundParams fund_params() {
  models::FundParams p{};
  p.invest_quarters = 4;
  p.life_quarters = 8;
  p.min_hold_quarters = 2;
  p.ticket[static_cast<std::size_t>(FundKind::GuideSubFund)] = 10;
  p.ticket[static_cast<std::size_t>(FundKind::PrivateVc)] = 5;
  p.ticket[static_cast<std::size_t>(FundKind::Angel)] = 2;
  p.signal_noise = 0;
  p.hurdle = 0;
  p.valuation_multiple = 1;
  p.ipo_multiple = 2;
  p.ipo_min_sales = 1e9;
  p.exit_rate = 0;
  p.exit_slope = 0;
  p.secondary_discount = 0.8;
  p.realisation_base = 0.5;
  p.realisation_return_sensitivity = 0;
  p.realisation_concession_sensitivity = 1;
  p.vc_rate = 0.001;
  p.vc_return_sensitivity = 0;
  p.return_memory = 0.5;
  p.initial_multiple = 1;
  return p;
}

models::Levers fund_levers(double guide, double gov_share, double concession, double angel) {
  models::Levers l;
  l.supported = true;
  l.guide_fund_capital = guide;
  l.guide_fund_gov_share = gov_share;
  l.guide_fund_concession = concession;
  l.angel_fund_capital = angel;
  return l;
}

TEST(EconomicsRulesFundMarket, CommitOpensGuideAngelAndPrivateFunds) {
  auto p = fund_params();
  p.realisation_return_sensitivity = 0.5;
  p.initial_multiple = 1.2;
  p.vc_return_sensitivity = 1;
  models::FundMarket market(2, p);
  models::FundFlows flows;
  flows.reset(2);
  // Cluster 0 supported: guide 30 at share 0.25 with concession 0.2, angel 8. Cluster 1 not.
  market.commit(4, {fund_levers(30, 0.25, 0.2, 8), models::Levers{}}, {1e4, 2e4}, flows);
  // Guide: private target 30 * 0.75 / 0.25 = 90; realisation 0.5 * (1 + 0.5 * 0.2) *
  // (1 + 0.2) = 0.66; raised 59.4; sub-fund 89.4 with government share 30 / 89.4.
  // Private VC: 0.001 * output * (1 + 1 * 0.2): 12 in cluster 0, 24 in cluster 1.
  const auto& f = market.table();
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f.kind, (std::vector<std::uint8_t>{0, 2, 1, 1}));
  EXPECT_EQ(f.cluster, (std::vector<std::uint16_t>{0, 0, 0, 1}));
  EXPECT_EQ(f.vintage, (std::vector<std::int32_t>{4, 4, 4, 4}));
  EXPECT_NEAR(f.committed[0], 89.4, 1e-12);
  EXPECT_NEAR(f.gov_share[0], 30 / 89.4, 1e-12);
  EXPECT_DOUBLE_EQ(f.concession[0], 0.2);
  EXPECT_DOUBLE_EQ(f.committed[1], 8);
  EXPECT_DOUBLE_EQ(f.gov_share[1], 1.0);
  EXPECT_NEAR(f.committed[2], 12, 1e-12);
  EXPECT_DOUBLE_EQ(f.gov_share[2], 0.0);
  EXPECT_NEAR(f.committed[3], 24, 1e-12);
  EXPECT_EQ(f.cash, f.committed);
  EXPECT_EQ(f.open, (std::vector<std::uint8_t>{1, 1, 1, 1}));
  // Private raised = target * realisation; the government pays only its own commitments.
  EXPECT_NEAR(flows.private_raised[0], 90 * 0.66, 1e-12);
  EXPECT_EQ(flows.private_raised[1], 0.0);
  EXPECT_DOUBLE_EQ(flows.paid(0, FundKind::GuideSubFund), 30);
  EXPECT_DOUBLE_EQ(flows.paid(0, FundKind::Angel), 8);
  EXPECT_EQ(flows.paid(0, FundKind::PrivateVc), 0.0);
  EXPECT_EQ(flows.paid(1, FundKind::GuideSubFund), 0.0);
  EXPECT_EQ(flows.paid(1, FundKind::Angel), 0.0);
}

TEST(EconomicsRulesFundMarket, LowerGovernmentShareAndConcessionRaiseMoreMoney) {
  // Private raised per government yuan: (1 - g) / g * realisation. g 0.25: 3 * 0.5 = 1.5;
  // g 0.5: 1 * 0.5 = 0.5. Concession 0.4: realisation 0.5 * 1.4 = 0.7 -> 3 * 0.7 = 2.1.
  const auto raised = [](double g, double concession) {
    models::FundMarket market(1, fund_params());
    models::FundFlows flows;
    flows.reset(1);
    market.commit(0, {fund_levers(100, g, concession, 0)}, {0.0}, flows);
    return flows.private_raised[0];
  };
  EXPECT_NEAR(raised(0.25, 0.0), 150, 1e-9);
  EXPECT_NEAR(raised(0.5, 0.0), 50, 1e-9);
  EXPECT_NEAR(raised(0.25, 0.4), 210, 1e-9);
}

// A small firm table: startups A (a 0.5), F (0.4), G (0.35), E (-0.1), SME B (0.3) and
// backbone C (0.9) in cluster 0; SME D (0.2) in cluster 1. Each sells 1 a quarter and has
// capital 10 and no cash, so its pre-money value is max(4 * 1 * 1, 10) = 10.
struct Portfolio {
  models::FirmTable firms;
  std::size_t a, f, g, e, b, c, d;
  Portfolio() {
    const auto add = [&](std::uint16_t cluster, FirmType type, double lp) {
      const std::size_t i = firms.agents.append(1);
      firms.cluster[i] = cluster;
      firms.type[i] = static_cast<std::uint8_t>(type);
      firms.log_productivity[i] = lp;
      firms.sales[i] = 1;
      firms.capital[i] = 10;
      firms.cash[i] = 0;
      firms.alive[i] = 1;
      return i;
    };
    a = add(0, FirmType::Startup, 0.5);
    b = add(0, FirmType::Sme, 0.3);
    c = add(0, FirmType::Backbone, 0.9);
    d = add(1, FirmType::Sme, 0.2);
    e = add(0, FirmType::Startup, -0.1);
    f = add(0, FirmType::Startup, 0.4);
    g = add(0, FirmType::Startup, 0.35);
  }
};

auto rng_for(int step) {
  return [step](std::uint64_t id) {
    return sim::RandomStream(11, 0, static_cast<std::uint64_t>(step), 5, id);
  };
}

void expect_fund_identity(const models::FundTable& f) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    const double in = f.committed[i] + f.proceeds[i];
    const double out = f.cash[i] + f.invested[i] + f.distributed[i];
    EXPECT_NEAR(in, out, 1e-9 * std::max(1.0, std::abs(in))) << "fund " << i;
    EXPECT_GE(f.cash[i], -1e-9) << "fund " << i;
  }
}

TEST(EconomicsRulesFundMarket, InvestGivesStakesAndCash) {
  models::FundMarket market(2, fund_params());
  models::FundFlows flows;
  flows.reset(2);
  // Guide 32 at share 0.25, no concession: raised 96 * 0.5 = 48, sub-fund 80, budget 80 / 4 =
  // 20 a quarter. Angel 8: budget 2. VC: 0.001 * 1e4 = 10 (budget 2.5) and 20 (budget 5).
  market.commit(0, {fund_levers(32, 0.25, 0, 8), models::Levers{}}, {1e4, 2e4}, flows);
  Portfolio p;
  // Signals (no noise) are log-productivity gaps to mean 0; hurdle 0 leaves out E; backbone C
  // is never a candidate. Cluster 0 by signal: A 0.5, F 0.4, G 0.35, B 0.3. Guide sub-funds and
  // VC pick before the angel fund.
  // Guide (budget 20): A 10, F 10. VC cluster 0 (budget 2.5): G 2.5. VC cluster 1 (budget 5):
  // D 5. Angel (budget 2): no startup left above the hurdle (B is an SME), so it waits.
  market.quarter(0, p.firms, {0.0, 0.0}, rng_for(0), flows);
  auto& fm = p.firms;
  EXPECT_EQ(fm.investor[p.a], 1u);  // fund id 0 + 1
  EXPECT_EQ(fm.investor[p.f], 1u);
  EXPECT_EQ(fm.investor[p.g], 3u);  // VC of cluster 0, fund id 2
  EXPECT_EQ(fm.investor[p.b], 0u);
  EXPECT_EQ(fm.investor[p.d], 4u);
  EXPECT_EQ(fm.investor[p.c], 0u);
  EXPECT_EQ(fm.investor[p.e], 0u);
  // Stakes: ticket / (10 + ticket): 10/20, 10/20, 2.5/12.5, 5/15.
  EXPECT_DOUBLE_EQ(fm.stake[p.a], 0.5);
  EXPECT_DOUBLE_EQ(fm.stake[p.f], 0.5);
  EXPECT_DOUBLE_EQ(fm.stake[p.g], 0.2);
  EXPECT_EQ(fm.stake[p.b], 0.0);
  EXPECT_DOUBLE_EQ(fm.stake[p.d], 1.0 / 3);
  EXPECT_EQ(fm.stake[p.c], 0.0);
  // The ticket is the firm's new cash and the stake's cost.
  EXPECT_DOUBLE_EQ(fm.cash[p.a], 10);
  EXPECT_DOUBLE_EQ(fm.cash[p.g], 2.5);
  EXPECT_EQ(fm.cash[p.b], 0.0);
  EXPECT_DOUBLE_EQ(fm.stake_cost[p.d], 5);
  EXPECT_EQ(fm.cash[p.e], 0.0);
  EXPECT_EQ(fm.invested_step[p.a], 0);
  EXPECT_DOUBLE_EQ(flows.invested[0], 22.5);
  EXPECT_DOUBLE_EQ(flows.invested[1], 5);
  const auto& f = market.table();
  EXPECT_DOUBLE_EQ(f.cash[0], 60);
  EXPECT_DOUBLE_EQ(f.invested[0], 20);
  EXPECT_DOUBLE_EQ(f.cash[1], 8);  // the angel fund's money is untouched
  expect_fund_identity(f);
  // NAV: cash 60 + 8 + 7.5 in cluster 0 and 15 in cluster 1, plus stakes at valuation
  // max(4, 10 + cash): A 0.5 * 20, F 0.5 * 20, G 0.2 * 12.5; D 15 / 3.
  market.value(p.firms, flows);
  EXPECT_NEAR(flows.nav[0], 75.5 + 10 + 10 + 2.5, 1e-12);
  EXPECT_NEAR(flows.nav[1], 15 + 5, 1e-12);
}

TEST(EconomicsRulesFundMarket, WriteOffClearsTheStakeAndLowersTheLaggedMultiple) {
  models::FundMarket market(2, fund_params());
  models::FundFlows flows;
  flows.reset(2);
  market.commit(0, {fund_levers(32, 0.25, 0, 8), models::Levers{}}, {1e4, 2e4}, flows);
  Portfolio p;
  market.quarter(0, p.firms, {0.0, 0.0}, rng_for(0), flows);
  ASSERT_EQ(p.firms.investor[p.a], 1u);
  // A fails: its 10 are lost. Lagged multiple 1 + 0.5 * (0 / 10 - 1) = 0.5.
  market.write_off(p.firms, p.a);
  EXPECT_EQ(p.firms.investor[p.a], 0u);
  EXPECT_EQ(p.firms.stake[p.a], 0.0);
  EXPECT_EQ(p.firms.stake_cost[p.a], 0.0);
  EXPECT_DOUBLE_EQ(market.lagged_multiple(), 0.5);
  const auto& f = market.table();
  EXPECT_EQ(f.proceeds[0], 0.0);
  EXPECT_EQ(f.distributed[0], 0.0);
  EXPECT_EQ(f.gov_returned[0], 0.0);
  expect_fund_identity(f);
  // A firm without an investor: nothing happens.
  market.write_off(p.firms, p.e);
  EXPECT_DOUBLE_EQ(market.lagged_multiple(), 0.5);
}

TEST(EconomicsRulesFundMarket, MoneyIsConservedInEveryFundOverSeveralYears) {
  auto params = fund_params();
  params.signal_noise = 0.3;
  params.exit_rate = 0.2;
  params.exit_slope = 1;
  params.life_quarters = 6;
  params.min_hold_quarters = 1;
  models::FundMarket market(2, params);
  Portfolio p;
  double gov_paid = 0, gov_returned = 0;
  for (int step = 0; step < 14; ++step) {
    models::FundFlows flows;
    flows.reset(2);
    if (step % 4 == 0) {
      market.commit(step, {fund_levers(32, 0.25, 0.3, 8), fund_levers(10, 0.5, 0, 4)}, {1e4, 2e4},
                    flows);
    }
    // Firms change: sales grow, one fails in year two.
    for (std::size_t i = 0; i < p.firms.size(); ++i) p.firms.sales[i] *= 1.1;
    if (step == 5 && p.firms.investor[p.f] != 0) market.write_off(p.firms, p.f);
    market.quarter(step, p.firms, {0.0, 0.0}, rng_for(step), flows);
    expect_fund_identity(market.table());
    for (std::size_t c = 0; c < 2; ++c) {
      for (FundKind k : {FundKind::GuideSubFund, FundKind::Angel, FundKind::PrivateVc}) {
        gov_paid += flows.paid(c, k);
        gov_returned += flows.returned(c, k);
      }
      EXPECT_EQ(flows.paid(c, FundKind::PrivateVc), 0.0);
      EXPECT_EQ(flows.returned(c, FundKind::PrivateVc), 0.0);
    }
  }
  const auto& f = market.table();
  // Something happened: stakes were sold and funds of step 0 and 4 reached the end of their
  // life (6 quarters) and returned everything.
  double proceeds = 0, returned_gov = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    proceeds += f.proceeds[i];
    returned_gov += f.gov_returned[i];
    if (f.vintage[i] + params.life_quarters <= 13) {
      EXPECT_EQ(f.open[i], 0u) << "fund " << i;
      EXPECT_EQ(f.cash[i], 0.0) << "fund " << i;
    }
  }
  EXPECT_GT(proceeds, 0.0);
  EXPECT_DOUBLE_EQ(gov_paid, 4 * (32 + 8 + 10 + 4));  // commitments at steps 0, 4, 8, 12
  EXPECT_NEAR(gov_returned, returned_gov, 1e-9);
}

// --- credit, relief, losses and defaults ---------------------------------------------------

TEST(EconomicsRulesCredit, CollateralWidenedByRiskCompensationPlusIpPledge) {
  models::FirmParams p{};
  p.collateral_ratio = 0.5;
  p.risk_credit_response = 1;
  models::Levers l;
  l.risk_compensation = 0.4;
  l.ip_pledge = 1e6;
  // SME: 0.5 * 1e8 * (1 + 1 * 0.4) + 1e6 * 3 = 7e7 + 3e6 = 7.3e7. Startups likewise.
  EXPECT_NEAR(models::credit_limit(1e8, 3, FirmType::Sme, l, p), 7.3e7, 1e-6);
  EXPECT_NEAR(models::credit_limit(1e8, 3, FirmType::Startup, l, p), 7.3e7, 1e-6);
  // Backbone firms do not get the risk-compensation widening: 5e7 + 3e6.
  EXPECT_DOUBLE_EQ(models::credit_limit(1e8, 3, FirmType::Backbone, l, p), 5.3e7);
  // Levers off: collateral only.
  EXPECT_DOUBLE_EQ(models::credit_limit(1e8, 3, FirmType::Sme, models::Levers{}, p), 5e7);
  // Negative capital or patents pledge nothing.
  EXPECT_EQ(models::credit_limit(-1e8, -2, FirmType::Sme, l, p), 0.0);
}

TEST(EconomicsRulesTechTransferRelief, ExemptThenHalf) {
  // Below the exemption: all of it. 3e6 of 5e6 -> 3e6.
  EXPECT_DOUBLE_EQ(models::tech_transfer_relief(3e6, 5e6), 3e6);
  // Above: 5e6 + 0.5 * (9e6 - 5e6) = 7e6.
  EXPECT_DOUBLE_EQ(models::tech_transfer_relief(9e6, 5e6), 7e6);
  EXPECT_DOUBLE_EQ(models::tech_transfer_relief(5e6, 5e6), 5e6);
  // No income, no relief.
  EXPECT_EQ(models::tech_transfer_relief(0, 5e6), 0.0);
  EXPECT_EQ(models::tech_transfer_relief(-1e6, 5e6), 0.0);
}

TEST(EconomicsRulesTechTransferRelief, ZeroExemptionIsTheLeverOff) {
  // policy.tech_transfer_exemption = 0 is the lever off: no relief at all, not the half rate.
  EXPECT_EQ(models::tech_transfer_relief(9e6, 0), 0.0);
}

TEST(EconomicsRulesCarryLosses, OffsetAndAccumulate) {
  // A loss of 100 starts a pool of age 0 and nothing is taxable.
  auto c = models::carry_losses(-100, 0, 0, 20);
  EXPECT_EQ(c.taxable, 0.0);
  EXPECT_EQ(c.pool, 100.0);
  EXPECT_EQ(c.age, 0);
  // Income 30 a quarter later: all offset; pool 70, age 1.
  c = models::carry_losses(30, c.pool, c.age, 20);
  EXPECT_EQ(c.taxable, 0.0);
  EXPECT_EQ(c.pool, 70.0);
  EXPECT_EQ(c.age, 1);
  // A further loss of 50 adds to the pool; the age of the oldest loss goes on (2).
  c = models::carry_losses(-50, c.pool, c.age, 20);
  EXPECT_EQ(c.pool, 120.0);
  EXPECT_EQ(c.age, 2);
  EXPECT_EQ(c.taxable, 0.0);
  // Income 200: 120 offset, 80 taxable; the empty pool's age is reset.
  c = models::carry_losses(200, c.pool, c.age, 20);
  EXPECT_EQ(c.taxable, 80.0);
  EXPECT_EQ(c.pool, 0.0);
  EXPECT_EQ(c.age, 0);
  // Income without a pool is taxable whole.
  c = models::carry_losses(40, 0, 0, 20);
  EXPECT_EQ(c.taxable, 40.0);
  EXPECT_EQ(c.pool, 0.0);
}

TEST(EconomicsRulesCarryLosses, PoolLapsesAfterTheLimit) {
  // A loss of 100 in quarter 0, nothing earned for 19 quarters: at quarter 20 (age 20, the
  // limit of 5 years) it is still usable; at quarter 21 (age 21) it has lapsed.
  auto c = models::carry_losses(-100, 0, 0, 20);
  for (int q = 1; q <= 19; ++q) c = models::carry_losses(0, c.pool, c.age, 20);
  EXPECT_EQ(c.age, 19);
  EXPECT_EQ(c.pool, 100.0);
  const auto at_limit = models::carry_losses(50, c.pool, c.age, 20);
  EXPECT_EQ(at_limit.age, 20);
  EXPECT_EQ(at_limit.taxable, 0.0);
  EXPECT_EQ(at_limit.pool, 50.0);
  const auto held = models::carry_losses(0, c.pool, c.age, 20);  // quarter 20, no income
  const auto lapsed = models::carry_losses(50, held.pool, held.age, 20);
  EXPECT_EQ(lapsed.taxable, 50.0);
  EXPECT_EQ(lapsed.pool, 0.0);
  EXPECT_EQ(lapsed.age, 0);
  // A loss in the quarter the old pool lapses starts a new pool of age 0.
  const auto fresh = models::carry_losses(-10, held.pool, held.age, 20);
  EXPECT_EQ(fresh.pool, 10.0);
  EXPECT_EQ(fresh.age, 0);
  // Limit 0 (no carry-forward): a loss never offsets later income.
  auto none = models::carry_losses(-100, 0, 0, 0);
  none = models::carry_losses(50, none.pool, none.age, 0);
  EXPECT_EQ(none.taxable, 50.0);
  EXPECT_EQ(none.pool, 0.0);
}

TEST(EconomicsRulesDefaultLoss, DebtNotCoveredByRecoveredCapital) {
  // Debt 100, capital 120, recovery 0.5: 100 - 60 = 40.
  EXPECT_DOUBLE_EQ(models::default_loss(-100, 120, 0.5), 40.0);
  // Debt 50 covered by 60 recovered: no loss.
  EXPECT_EQ(models::default_loss(-50, 120, 0.5), 0.0);
  // No debt: no loss.
  EXPECT_EQ(models::default_loss(10, 120, 0.5), 0.0);
  // Negative capital recovers nothing; recovery 0 loses the whole debt.
  EXPECT_DOUBLE_EQ(models::default_loss(-100, -5, 0.5), 100.0);
  EXPECT_DOUBLE_EQ(models::default_loss(-100, 120, 0.0), 100.0);
}

// --- plan_quarter_rd with levers -----------------------------------------------------------

struct RdFixture {
  models::FirmTable f;
  models::FirmParams p{};
  models::TaxRules r;
  RdFixture() {
    f.agents.append(1);
    f.type[0] = static_cast<std::uint8_t>(FirmType::Sme);
    f.capital[0] = 1e9;  // not a tech SME, not small: the standard rate, marginal 0.25
    f.cash[0] = 1e8;
    f.sales_avg[0] = 5e8;
    f.takeup_draw[0] = 0.9;  // does not claim at take-up 0.5
    p.rd_share_sme = 0.01;
    p.rd_reference_user_cost = 0.75;
    p.rd_user_cost_elasticity = 1.1;
    p.breakthrough_expectation = 0.1;
    p.ip_rd_response = 0.1;
    r.deduction_takeup = 0.5;
    r.small_max_assets = 0;
  }
  double rd(const models::Levers& l, double credit = 0.0) const {
    return models::plan_quarter_rd(f, 0, 5e8, 1e7, r, l, credit, p).plan.real;
  }
};

TEST(EconomicsRulesQuarterRd, PostSubsidyLowersTheUserCost) {
  const RdFixture x;
  models::Levers l;
  // Off: user cost 1 - 0.25 = 0.75 = rho0, so R&D = 1% of 5e8 = 5e6.
  EXPECT_DOUBLE_EQ(x.rd(l), 5e6);
  // Rate 0.5, expectation 0.1: user cost 0.75 - 0.05 = 0.7;
  // 5e6 * (0.7 / 0.75)^-1.1 = 5e6 * (15/14)^1.1 = 5,394,231.12.
  l.post_subsidy_rate = 0.5;
  EXPECT_NEAR(x.rd(l), 5394231.118175064, 1e-3);
  // Monotone in the rate.
  double last = 0;
  for (double rate : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    l.post_subsidy_rate = rate;
    EXPECT_GT(x.rd(l), last) << rate;
    last = x.rd(l);
  }
  // The user cost is floored at 0.05: expectation 0.8 at rate 1 would make it 0.75 - 0.8 < 0;
  // 5e6 * (0.05 / 0.75)^-1.1 = 5e6 * 15^1.1 = 98,326,456.73 (below the 1e8 of cash).
  RdFixture y;
  y.p.breakthrough_expectation = 0.8;
  l.post_subsidy_rate = 1.0;
  EXPECT_NEAR(y.rd(l), 98326456.72798128, 1e-1);
  l.post_subsidy_rate = 0.95;  // 0.75 - 0.76 also below the floor: the same
  EXPECT_NEAR(y.rd(l), 98326456.72798128, 1e-1);
}

TEST(EconomicsRulesQuarterRd, IpProtectionRaisesTheBudgetWithinLiquidity) {
  RdFixture x;
  models::Levers l;
  // Full protection: 5e6 * (1 + 0.1 * 1) = 5.5e6; half: 5e6 * 1.05 = 5.25e6.
  l.ip_protection = 1.0;
  EXPECT_NEAR(x.rd(l), 5.5e6, 1e-6);
  l.ip_protection = 0.5;
  EXPECT_NEAR(x.rd(l), 5.25e6, 1e-6);
  // With the post-subsidy too: 5394231.12 * 1.1 = 5,933,654.23.
  l.ip_protection = 1.0;
  l.post_subsidy_rate = 0.5;
  EXPECT_NEAR(x.rd(l), 5933654.229992571, 1e-3);
  // Liquidity caps it: cash 5.2e6 and no credit -> 5.2e6; with 1e6 of credit the room is
  // 6.2e6 and the budget of 5.93e6 fits again.
  x.f.cash[0] = 5.2e6;
  EXPECT_DOUBLE_EQ(x.rd(l), 5.2e6);
  EXPECT_NEAR(x.rd(l, 1e6), 5933654.229992571, 1e-3);
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

TEST(EconomicsRulesGoals, InnovationLeader) {
  const models::LeadingTest t{0.025, 3, 40, 1e10};
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

}  // namespace

namespace {

TEST(EconomicsRulesQuarterTax, TaxAndTaxExpendituresByHand) {
  models::TaxRules r;            // 25% standard, 15% HNTE; no small-profit regime (ceiling 0)
  r.tech_transfer_exempt = 4e6;  // 1e6 a quarter
  r.loss_carry_quarters = 20;
  // Profit 10e6 a quarter, of which licence income 2e6 (8e6 a year: 4e6 exempt, half of the
  // other 4e6 relieved, 6e6 a year = 1.5e6 a quarter); deduction 2e6; a loss pool of 1e6.
  // Income 10 - 2 - 1.5 = 6.5e6, less the pool 1e6: taxable 5.5e6, tax 25% = 1.375e6.
  const models::QuarterIncome in{10e6, 2e6, 2e6, false, false, 1e9};
  const auto t = models::quarter_tax(in, 1e6, 3, r);
  EXPECT_DOUBLE_EQ(t.tax, 0.25 * 5.5e6);
  EXPECT_DOUBLE_EQ(t.carry.pool, 0.0);
  // Without the deduction: taxable 7.5e6; without the relief: 7e6; the HNTE rate is not
  // claimed (not certified), so removing it changes nothing.
  EXPECT_DOUBLE_EQ(t.without_deduction, 0.25 * 7.5e6);
  EXPECT_DOUBLE_EQ(t.without_relief, 0.25 * 7e6);
  EXPECT_DOUBLE_EQ(t.without_hnte, t.tax);
  // Certified: 15% on 5.5e6, and 25% without the preference.
  const auto h = models::quarter_tax({10e6, 2e6, 2e6, true, false, 1e9}, 1e6, 3, r);
  EXPECT_DOUBLE_EQ(h.tax, 0.15 * 5.5e6);
  EXPECT_DOUBLE_EQ(h.without_hnte, 0.25 * 5.5e6);
  // A loss adds to the pool and costs no tax, with or without the preferences.
  const auto l = models::quarter_tax({-3e6, 1e6, 0, false, false, 1e9}, 0, 0, r);
  EXPECT_DOUBLE_EQ(l.tax, 0.0);
  EXPECT_DOUBLE_EQ(l.carry.pool, 4e6);
  EXPECT_DOUBLE_EQ(l.without_deduction, 0.0);
}

}  // namespace
