// The pure rules of firms (models/firm.hpp), each against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "models/firm.hpp"

namespace {

// --- desired_rd ----------------------------------------------------------------------------

TEST(FirmDesiredRd, AtTheReferenceUserCostIsTheShareOfSales) {
  // rho = rho0: (1)^-eps = 1, so nu * sales = 0.02 * 1e8 = 2e6 for any elasticity.
  EXPECT_DOUBLE_EQ(models::desired_rd(0.02, 1e8, 0.75, 0.75, 1.1), 2e6);
  EXPECT_DOUBLE_EQ(models::desired_rd(0.02, 1e8, 0.75, 0.75, 0.0), 2e6);
}

TEST(FirmDesiredRd, LowerUserCostRaisesRd) {
  // nu 0.02, sales 1e8, rho 0.625 (1 - 0.25 * 1.5), rho0 0.75, eps 1.1:
  // (0.625 / 0.75)^-1.1 = 1.2^1.1 = exp(1.1 ln 1.2) = exp(1.1 * 0.18232156) = exp(0.20055371)
  // = 1.22207925, so 2e6 * 1.22207925 = 2,444,158.50.
  EXPECT_NEAR(models::desired_rd(0.02, 1e8, 0.625, 0.75, 1.1), 2'444'158.50, 0.01);
  // Elasticity 1: 2e6 * 0.75 / 0.625 = 2e6 * 1.2 = 2.4e6.
  EXPECT_DOUBLE_EQ(models::desired_rd(0.02, 1e8, 0.625, 0.75, 1.0), 2.4e6);
  // Higher user cost, elasticity 1: 2e6 * 0.75 / 1.0 = 1.5e6.
  EXPECT_DOUBLE_EQ(models::desired_rd(0.02, 1e8, 1.0, 0.75, 1.0), 1.5e6);
}

TEST(FirmDesiredRd, NothingWithoutSales) {
  EXPECT_EQ(models::desired_rd(0.02, 0.0, 0.625, 0.75, 1.1), 0.0);
  EXPECT_EQ(models::desired_rd(0.02, -1e6, 0.625, 0.75, 1.1), 0.0);
}

// --- nw_investment_rate --------------------------------------------------------------------

TEST(FirmInvestment, SmallFirm) {
  // P 1, A 0.3, c 0.27, s 0, delta 0.03: markup P A / c = 0.3 / 0.27 = 10/9;
  // (2 - 0) / (10/9 * 2) = 0.9; 1 + 0.03 - 0.9 = 0.13.
  EXPECT_NEAR(models::nw_investment_rate(1.0, 0.3, 0.27, 0.0, 0.03), 0.13, 1e-12);
}

TEST(FirmInvestment, MarketShareDampsInvestment) {
  // s 0.5: (2 - 0.5) / (10/9 * (2 - 1)) = 1.5 * 0.9 = 1.35; 1.03 - 1.35 < 0, floored at 0.
  EXPECT_EQ(models::nw_investment_rate(1.0, 0.3, 0.27, 0.5, 0.03), 0.0);
  // Markup 4 (P 2, A 0.5, c 0.25), s 0.5: 1.5 / (4 * 1) = 0.375; 1.03 - 0.375 = 0.655.
  EXPECT_NEAR(models::nw_investment_rate(2.0, 0.5, 0.25, 0.5, 0.03), 0.655, 1e-12);
}

TEST(FirmInvestment, FlooredAtZeroWhenUnprofitable) {
  // Markup 0.5 (P 1, A 0.25, c 0.5), s 0: 1 / 0.5 = 2; 1.03 - 2 < 0 -> 0.
  EXPECT_EQ(models::nw_investment_rate(1.0, 0.25, 0.5, 0.0, 0.03), 0.0);
  // Zero price: markup 0 -> 0.
  EXPECT_EQ(models::nw_investment_rate(0.0, 0.3, 0.27, 0.0, 0.03), 0.0);
}

TEST(FirmInvestment, ShareCappedAtNinetyFivePercent) {
  // Markup 20 (P 1, A 2, c 0.1). s capped at 0.95: (2 - 0.95) / (20 * (2 - 1.9)) = 1.05 / 2
  // = 0.525; 1.03 - 0.525 = 0.505. Shares 0.99 and 1 (where the rule divides by zero) give
  // the same.
  EXPECT_NEAR(models::nw_investment_rate(1.0, 2.0, 0.1, 0.95, 0.03), 0.505, 1e-12);
  EXPECT_NEAR(models::nw_investment_rate(1.0, 2.0, 0.1, 0.99, 0.03), 0.505, 1e-12);
  const double whole_market = models::nw_investment_rate(1.0, 2.0, 0.1, 1.0, 0.03);
  EXPECT_TRUE(std::isfinite(whole_market));
  EXPECT_NEAR(whole_market, 0.505, 1e-12);
}

// --- balanced_growth_return ----------------------------------------------------------------

TEST(FirmBalancedGrowth, NoGrowth) {
  // turnover 0.29 * (margin 0.07 - 0) = 0.0203.
  EXPECT_NEAR(models::balanced_growth_return(0.29, 0.07, 0.0), 0.0203, 1e-12);
}

TEST(FirmBalancedGrowth, GrowthLowersTheRequiredReturn) {
  // Annual growth 1.02^4 - 1 = 0.08243216 is 2% a quarter: 0.29 * (0.07 - 0.02) = 0.0145.
  EXPECT_NEAR(models::balanced_growth_return(0.29, 0.07, std::pow(1.02, 4) - 1.0), 0.0145, 1e-12);
}

TEST(FirmBalancedGrowth, FlooredAtZeroWhenGrowthExceedsTheMargin) {
  // Annual growth 40%: 1.4^0.25 - 1 = 0.0878 a quarter > 0.07 -> 0.
  EXPECT_EQ(models::balanced_growth_return(0.29, 0.07, 0.4), 0.0);
  // Quarterly growth 8% (annual 1.08^4 - 1 = 0.36048896) > 7% -> 0.
  EXPECT_EQ(models::balanced_growth_return(0.29, 0.07, std::pow(1.08, 4) - 1.0), 0.0);
}

// --- search_success and expected_patents ---------------------------------------------------

TEST(FirmSearch, SuccessProbability) {
  // zeta 100, effort 0.01: 1 - exp(-1) = 0.63212056.
  EXPECT_NEAR(models::search_success(100.0, 0.01), 0.63212056, 1e-8);
  // zeta 20, effort 0.005: 1 - exp(-0.1) = 0.09516258.
  EXPECT_NEAR(models::search_success(20.0, 0.005), 0.09516258, 1e-8);
  EXPECT_EQ(models::search_success(100.0, 0.0), 0.0);
  EXPECT_EQ(models::search_success(100.0, -0.01), 0.0);
  EXPECT_EQ(models::search_success(0.0, 0.01), 0.0);
}

TEST(FirmPatents, ScaleAtOneMillionYuanForAnyElasticity) {
  // (1e6 / 1e6)^beta = 1, so pi0 = 0.12.
  for (double beta : {0.0, 0.5, 0.6, 0.8, 1.5}) {
    EXPECT_DOUBLE_EQ(models::expected_patents(1e6, 0.12, beta), 0.12) << "beta " << beta;
  }
}

TEST(FirmPatents, Elasticity) {
  // 4e6 yuan, beta 0.5: 0.12 * 4^0.5 = 0.24; 1e7, beta 0.6: 0.12 * 10^0.6 = 0.12 * 3.98107171
  // = 0.47772861.
  EXPECT_DOUBLE_EQ(models::expected_patents(4e6, 0.12, 0.5), 0.24);
  EXPECT_NEAR(models::expected_patents(1e7, 0.12, 0.6), 0.47772861, 1e-8);
  EXPECT_EQ(models::expected_patents(0.0, 0.12, 0.6), 0.0);
  EXPECT_EQ(models::expected_patents(-1e6, 0.12, 0.6), 0.0);
}

// --- plan_rd_for_hnte ----------------------------------------------------------------------

// A firm with quarterly sales 1e7 and R&D 1e5 facing a 5% threshold: target 5e5, gap 4e5;
// with 24% relabelled the real increase is 0.76 * 4e5 = 3.04e5.
constexpr double kRd = 1e5, kSales = 1e7, kThreshold = 0.05, kRelabel = 0.24;

TEST(FirmHnteBunching, BunchesWhenBenefitExceedsCost) {
  // Gain 5e5 (e.g. profit 5e6 at a rate cut of 0.10): benefit 5e5 > cost 3.04e5 * 0.7 = 2.128e5;
  // liquidity 1e6 covers 1e5 + 3.04e5 = 4.04e5. Real 4.04e5, reported 5e5.
  const auto plan = models::plan_rd_for_hnte(kRd, kSales, kThreshold, 5e5, 0.7, 1e6, kRelabel);
  EXPECT_NEAR(plan.real, 4.04e5, 1e-6);
  EXPECT_DOUBLE_EQ(plan.reported, 5e5);
  // The relabelled part is 24% of the increase: 5e5 - 4.04e5 = 9.6e4 = 0.24 * 4e5.
  EXPECT_NEAR(plan.reported - plan.real, 9.6e4, 1e-6);
}

TEST(FirmHnteBunching, FullyRelabelledIncreaseCostsNothingReal) {
  // relabel 1: real extra 0, so any positive benefit is enough: real stays 1e5, reported 5e5.
  const auto plan = models::plan_rd_for_hnte(kRd, kSales, kThreshold, 100, 0.7, 1e5, 1.0);
  EXPECT_DOUBLE_EQ(plan.real, kRd);
  EXPECT_DOUBLE_EQ(plan.reported, 5e5);
}

TEST(FirmHnteBunching, NoBunchingWhenCostExceedsBenefit) {
  // Gain 2e5 < cost 2.128e5.
  const auto plan = models::plan_rd_for_hnte(kRd, kSales, kThreshold, 2e5, 0.7, 1e6, kRelabel);
  EXPECT_DOUBLE_EQ(plan.real, kRd);
  EXPECT_DOUBLE_EQ(plan.reported, kRd);
}

TEST(FirmHnteBunching, NoBunchingWithoutLiquidity) {
  // Benefit 5e5 > cost, but liquidity 4e5 < 4.04e5 needed; at exactly 4.04e5 it bunches.
  const auto short_of_cash =
      models::plan_rd_for_hnte(kRd, kSales, kThreshold, 5e5, 0.7, 4e5, kRelabel);
  EXPECT_DOUBLE_EQ(short_of_cash.real, kRd);
  EXPECT_DOUBLE_EQ(short_of_cash.reported, kRd);
  const auto just_enough =
      models::plan_rd_for_hnte(kRd, kSales, kThreshold, 5e5, 0.7, 4.1e5, kRelabel);
  EXPECT_DOUBLE_EQ(just_enough.reported, 5e5);
}

TEST(FirmHnteBunching, NoBunchingWhenAlreadyAboveTarget) {
  // R&D 6e5 >= target 5e5: plan is what the firm spends anyway.
  const auto plan = models::plan_rd_for_hnte(6e5, kSales, kThreshold, 5e5, 0.7, 1e7, kRelabel);
  EXPECT_DOUBLE_EQ(plan.real, 6e5);
  EXPECT_DOUBLE_EQ(plan.reported, 6e5);
  // Exactly at the target: also unchanged.
  const auto at_target = models::plan_rd_for_hnte(5e5, kSales, kThreshold, 5e5, 0.7, 1e7, kRelabel);
  EXPECT_DOUBLE_EQ(at_target.real, 5e5);
  EXPECT_DOUBLE_EQ(at_target.reported, 5e5);
}

TEST(FirmHnteBunching, NoBunchingWithoutAGain) {
  // Certification that saves no tax (no profit, or a small low-profit rate already below the
  // HNTE rate) is worth nothing.
  const auto plan = models::plan_rd_for_hnte(kRd, kSales, kThreshold, 0.0, 0.7, 1e7, kRelabel);
  EXPECT_DOUBLE_EQ(plan.real, kRd);
  EXPECT_DOUBLE_EQ(plan.reported, kRd);
}

TEST(FirmHnteBunching, NoBunchingWithoutSales) {
  const auto plan = models::plan_rd_for_hnte(kRd, 0.0, kThreshold, 5e5, 0.7, 1e7, kRelabel);
  EXPECT_DOUBLE_EQ(plan.real, kRd);
  EXPECT_DOUBLE_EQ(plan.reported, kRd);
}

// --- classify ------------------------------------------------------------------------------

TEST(FirmClassify, BackboneStartupSme) {
  models::FirmParams p{};
  p.backbone_revenue = 4e8;
  p.startup_age_quarters = 12;
  // Backbone from 4e8 a year, whatever the age.
  EXPECT_EQ(models::classify(4e8, 0, p), models::FirmType::Backbone);
  EXPECT_EQ(models::classify(1e9, 40, p), models::FirmType::Backbone);
  // Below 4e8: startup when younger than 12 quarters, SME from 12 on.
  EXPECT_EQ(models::classify(3.99e8, 11, p), models::FirmType::Startup);
  EXPECT_EQ(models::classify(3.99e8, 12, p), models::FirmType::Sme);
  EXPECT_EQ(models::classify(0.0, 0, p), models::FirmType::Startup);
  EXPECT_EQ(models::classify(1e6, 100, p), models::FirmType::Sme);
}

}  // namespace
