// R&D platforms: investment and their effect on firms (by hand).
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
  p.opportunity_effect = 0.008;
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
  // opportunity = 0.008 * 0.03 / 0.04 = 0.006 (key labs as well)
  const auto e = models::platform_effects({3e7, 1e7, 1e8}, 1e9, platform_params());
  EXPECT_NEAR(e.labour, 0.15, 1e-15);
  EXPECT_NEAR(e.shared, 0.2 * 0.1 / 0.11, 1e-15);
  EXPECT_NEAR(e.frontier_growth, 0.0055, 1e-15);
  EXPECT_NEAR(e.opportunity, 0.006, 1e-15);
  // Without platforms only the base frontier growth remains.
  const auto none = models::platform_effects({0, 0, 0}, 1e9, platform_params());
  EXPECT_EQ(none.labour, 0.0);
  EXPECT_EQ(none.shared, 0.0);
  EXPECT_DOUBLE_EQ(none.frontier_growth, 0.0025);
  EXPECT_EQ(none.opportunity, 0.0);
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

}  // namespace
