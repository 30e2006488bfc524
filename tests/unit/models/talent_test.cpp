// Talent rules: wages, migration, attractiveness, hiring by priority (by hand).
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

// --- TalentMarket::clear: graduates, seekers leaving research, grants paid when hired --------

models::TalentParams market_params() {
  models::TalentParams p{};
  p.graduate_rate = 0.02;
  p.retirement_rate = 0.01;
  p.seeker_exit_rate = 0.2;
  p.mobile_share = 0.0;  // one cluster: nobody moves
  p.attraction_sensitivity = 1.0;
  p.wage_growth = 0.0;
  p.wage_tightness_elasticity = 0.5;
  p.labour_share = 0.3;
  p.founder_rate = 0.0;
  p.initial_free_share = 0.05;
  return p;
}

struct OneClusterMarket {
  models::TalentMarket market{1, market_params(), Eigen::MatrixXd::Ones(1, 1)};
  // 95 of 100 researchers employed, 5 seeking, at the wage that clears planned R&D.
  OneClusterMarket() { market.open({100.0}, {1000.0}, {0.0}); }
  void quarter(double employed, double recruits, double hires_wanted) {
    models::ClusterLabour l;
    l.employed = employed;
    l.recruits = recruits;
    l.wanted = {hires_wanted, 0.0, 0.0};
    l.real_output = 1.0;
    market.clear({l}, [](std::size_t c) { return sim::RandomStream(1, 0, 0, 0, c); });
  }
  const models::TalentPools& pools() const { return market.pools(); }
};

TEST(EconomicsRulesTalentMarket, GraduatesFollowEmploymentNotThePool) {
  OneClusterMarket small_pool, large_pool;
  large_pool.quarter(95.0, 0.0, 0.0);  // a quarter without hiring leaves a pool behind
  small_pool.quarter(95.0, 0.0, 95.0);
  small_pool.quarter(400.0, 0.0, 0.0);
  large_pool.quarter(400.0, 0.0, 0.0);
  EXPECT_DOUBLE_EQ(small_pool.pools().graduates[0], 0.02 * 400.0);
  EXPECT_DOUBLE_EQ(large_pool.pools().graduates[0], 0.02 * 400.0);
}

TEST(EconomicsRulesTalentMarket, JobSeekersWhoFindNoWorkLeaveResearch) {
  OneClusterMarket m;
  // Without hiring: the 5 seekers retire at 1% and then leave research at 20%; graduates of
  // 95 employed (1.9) join after.
  m.quarter(95.0, 0.0, 0.0);
  const double stayed = 5.0 * 0.99 * 0.8;
  EXPECT_NEAR(m.pools().free[0], stayed + 1.9, 1e-12);
  EXPECT_NEAR(m.pools().leavers[0], 5.0 * 0.99 * 0.2, 1e-12);
  EXPECT_NEAR(m.pools().outflow[0], 5.0 * 0.01 + 5.0 * 0.99 * 0.2, 1e-12);
  // Quarter after quarter without hiring the pool settles where graduates balance leavers,
  // rather than growing without bound.
  for (int q = 0; q < 200; ++q) m.quarter(95.0, 0.0, 0.0);
  const double settled = 1.9 / (1.0 - 0.99 * 0.8);
  EXPECT_NEAR(m.pools().free[0], settled, 1e-9);
}

TEST(EconomicsRulesTalentMarket, ProgrammeGrantsArePaidWhenRecruitsAreHired) {
  OneClusterMarket m;
  // 10 recruits arrive where nobody hires: no grant is paid.
  m.quarter(95.0, 10.0, 0.0);
  EXPECT_DOUBLE_EQ(m.pools().recruits[0], 10.0);
  EXPECT_DOUBLE_EQ(m.pools().paid_recruits[0], 0.0);
  EXPECT_DOUBLE_EQ(m.pools().free_unpaid[0], 10.0);
  // Next quarter firms hire everyone: the recruits still in research (after retiring and
  // leaving) are hired and their grants paid, once.
  m.quarter(95.0, 0.0, 1e6);
  EXPECT_NEAR(m.pools().paid_recruits[0], 10.0 * 0.99 * 0.8, 1e-12);
  EXPECT_DOUBLE_EQ(m.pools().free_unpaid[0], 0.0);
  m.quarter(95.0, 0.0, 1e6);
  EXPECT_DOUBLE_EQ(m.pools().paid_recruits[0], 0.0);
}

TEST(EconomicsRulesTalentMarket, HalfTheSeekersHiredPaysHalfTheUnpaidGrants) {
  OneClusterMarket m;
  m.quarter(95.0, 10.0, 0.0);
  const double pool = m.pools().free[0];
  const double unpaid = m.pools().free_unpaid[0];
  // Next quarter: retire and leave first, then 1.9 graduates join, then half are hired.
  const double before_hiring = pool * 0.99 * 0.8 + 1.9;
  m.quarter(95.0, 0.0, before_hiring / 2);
  EXPECT_NEAR(m.pools().paid_recruits[0], unpaid * 0.99 * 0.8 / 2, 1e-12);
  EXPECT_NEAR(m.pools().free_unpaid[0], unpaid * 0.99 * 0.8 / 2, 1e-12);
}

}  // namespace
