// Firm finance and R&D under the levers: credit, defaults and the R&D plan (by hand); the tax
// rules a firm is subject to are tested in tax_test.cpp.
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

// --- credit and defaults ---------------------------------------------------------------

TEST(EconomicsRulesCredit, RiskCompensationClosesTheGapToBackboneTermsPlusIpPledge) {
  models::FirmParams p{};
  p.collateral_ratio = 0.6;
  p.credit_access_sme = 0.5;
  p.credit_access_startup = 0.25;
  p.risk_credit_response = 1;
  models::Levers l;
  l.risk_compensation = 0.4;
  l.ip_pledge = 1e6;
  // SME: access 0.5 + 0.4 * (1 - 0.5) = 0.7 of 0.6 = 0.42 per yuan; 4.2e7 + 1e6 * 3 = 4.5e7.
  EXPECT_NEAR(models::credit_limit(1e8, 3, FirmType::Sme, l, p), 4.5e7, 1e-6);
  // Startup: 0.25 + 0.4 * 0.75 = 0.55 of 0.6 = 0.33; 3.3e7 + 3e6 = 3.6e7.
  EXPECT_NEAR(models::credit_limit(1e8, 3, FirmType::Startup, l, p), 3.6e7, 1e-6);
  // Backbone firms already borrow on the full terms: 6e7 + 3e6.
  EXPECT_DOUBLE_EQ(models::credit_limit(1e8, 3, FirmType::Backbone, l, p), 6.3e7);
  // Levers off: each type's own terms on its collateral only.
  EXPECT_DOUBLE_EQ(models::credit_limit(1e8, 3, FirmType::Sme, models::Levers{}, p), 3e7);
  EXPECT_DOUBLE_EQ(models::credit_limit(1e8, 3, FirmType::Startup, models::Levers{}, p), 1.5e7);
  // The pool can at most close the whole gap: response 1 at compensation 2 gives backbone terms.
  l.risk_compensation = 2;
  EXPECT_DOUBLE_EQ(models::credit_per_capital(FirmType::Startup, l, p), 0.6);
  // Negative capital or patents pledge nothing.
  EXPECT_EQ(models::credit_limit(-1e8, -2, FirmType::Sme, l, p), 0.0);
}

TEST(EconomicsRulesCredit, CashAboveTheTargetIsPaidOutExceptByStartups) {
  models::FirmParams p{};
  p.cash_target_ratio = 0.1;
  // Cash 25 on capital 100 keeps 10 and pays out 15; a startup keeps all its equity.
  EXPECT_DOUBLE_EQ(models::dividend(25, 100, FirmType::Sme, p), 15.0);
  EXPECT_DOUBLE_EQ(models::dividend(25, 100, FirmType::Backbone, p), 15.0);
  EXPECT_EQ(models::dividend(25, 100, FirmType::Startup, p), 0.0);
  // Below the target, or in debt: nothing is paid out.
  EXPECT_EQ(models::dividend(8, 100, FirmType::Sme, p), 0.0);
  EXPECT_EQ(models::dividend(-30, 100, FirmType::Backbone, p), 0.0);
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
  // The cut is flagged: the firm was short of funds only when its budget did not fit.
  EXPECT_TRUE(models::plan_quarter_rd(x.f, 0, 5e8, 1e7, x.r, l, 0.0, x.p).short_of_funds);
  EXPECT_FALSE(models::plan_quarter_rd(x.f, 0, 5e8, 1e7, x.r, l, 1e6, x.p).short_of_funds);
}

// --- firm_quarter_tax: the tax the production phase books -----------------------------------

// One firm as the production phase sees it: the standard rate (no small-profit regime, large
// sales), no HNTE status, no loss pool, claiming the 75% super-deduction this quarter (the
// general rate, taken up: its draw 0.1 is below the take-up 0.5).
struct TaxedFirm {
  models::FirmTable f;
  models::TaxRules r;
  TaxedFirm() {
    f.agents.append(1);
    f.capital[0] = 1e9;      // too large for the small-profit regime and the tech-SME status
    f.sales_avg[0] = 2.5e8;  // 1e9 a year
    f.takeup_draw[0] = 0.1;
    r.deduction_general = 0.75;
    r.deduction_takeup = 0.5;
    r.small_ceiling = 0;
    r.tech_transfer_exempt = 0;  // no licence relief unless a test sets it
  }
  models::QuarterTax tax(double profit, double rd_reported, double licence = 0,
                         double subsidised_rd = 0) const {
    return models::firm_quarter_tax(f, 0, profit, rd_reported, licence, r, subsidised_rd);
  }
};

TEST(EconomicsRulesFirmQuarterTax, SuperDeductionOnReportedRdByHand) {
  const TaxedFirm x;
  // Profit 10e6, reported R&D 4e6 at 75%: deduction 3e6, taxable 7e6, tax 0.25 * 7e6 = 1.75e6.
  const auto t = x.tax(10e6, 4e6);
  EXPECT_DOUBLE_EQ(t.tax, 1.75e6);
  // Without the deduction: 0.25 * 10e6 = 2.5e6, so the preference costs the state 0.75e6,
  // i.e. t * theta * R&D = 0.25 * 0.75 * 4e6.
  EXPECT_DOUBLE_EQ(t.without_deduction, 2.5e6);
  EXPECT_DOUBLE_EQ(t.without_deduction - t.tax, 0.25 * 0.75 * 4e6);
}

TEST(EconomicsRulesFirmQuarterTax, SubsidisedRdIsNeitherDeductedNorSuperDeducted) {
  const TaxedFirm x;
  // Profit 10e6 after R&D of 4e6, of which 1e6 paid by a subsidy: the 1e6 is added back
  // (taxable profit 11e6) and the 75% super-deduction applies to the other 3e6 only (2.25e6).
  // Taxable 11e6 - 2.25e6 = 8.75e6, tax 0.25 * 8.75e6 = 2.1875e6, against 1.75e6 unsubsidised.
  const auto t = x.tax(10e6, 4e6, 0, 1e6);
  EXPECT_DOUBLE_EQ(t.tax, 2.1875e6);
  EXPECT_DOUBLE_EQ(t.without_deduction, 0.25 * 11e6);
  // A subsidy larger than the reported R&D leaves nothing to super-deduct.
  EXPECT_DOUBLE_EQ(x.tax(10e6, 4e6, 0, 5e6).tax, 0.25 * 15e6);
}

TEST(EconomicsRulesFirmQuarterTax, NoDeductionUnlessClaimed) {
  TaxedFirm x;
  x.f.takeup_draw[0] = 0.9;  // above the take-up: no claim
  const auto t = x.tax(10e6, 4e6);
  EXPECT_DOUBLE_EQ(t.tax, 2.5e6);
  EXPECT_DOUBLE_EQ(t.without_deduction, t.tax);
}

TEST(EconomicsRulesFirmQuarterTax, HnteRateAndLicenceRelief) {
  TaxedFirm x;
  x.f.hnte_quarters_left[0] = 5;
  x.r.tech_transfer_exempt = 4e6;  // 1e6 a quarter exempt, half of the rest relieved
  // Licence 2e6 (8e6 a year): relief (4e6 + 0.5 * 4e6) / 4 = 1.5e6. Taxable 10 - 3 - 1.5 =
  // 5.5e6 at the HNTE rate 15% = 0.825e6; 25% without the status.
  const auto t = x.tax(10e6, 4e6, 2e6);
  EXPECT_DOUBLE_EQ(t.tax, 0.15 * 5.5e6);
  EXPECT_DOUBLE_EQ(t.without_hnte, 0.25 * 5.5e6);
  EXPECT_DOUBLE_EQ(t.without_relief, 0.15 * 7e6);
}

TEST(EconomicsRulesFirmQuarterTax, LossPoolOffsetsProfitAndALossAddsToIt) {
  TaxedFirm x;
  x.f.loss_pool[0] = 2e6;
  x.f.loss_pool_age[0] = 3;
  // Taxable 7e6 less the pool 2e6 = 5e6: tax 1.25e6, the pool used up.
  const auto t = x.tax(10e6, 4e6);
  EXPECT_DOUBLE_EQ(t.tax, 1.25e6);
  EXPECT_EQ(t.carry.pool, 0.0);
  // A loss of 1e6 before the deduction of 0.75 * 2e6 (2.5e6 after it) adds to the pool and
  // costs no tax.
  const auto l = x.tax(-1e6, 2e6);
  EXPECT_EQ(l.tax, 0.0);
  EXPECT_DOUBLE_EQ(l.carry.pool, 4.5e6);
  EXPECT_EQ(l.carry.age, 4);
}

TEST(EconomicsRulesFirmQuarterTax, LongCarryForwardForTechnologyBasedSmes) {
  TaxedFirm x;
  x.r.loss_carry_quarters = 20;
  x.r.loss_carry_quarters_long = 40;
  x.f.loss_pool[0] = 2e6;
  x.f.loss_pool_age[0] = 20;  // 21 quarters old this quarter: lapsed under the general limit
  EXPECT_DOUBLE_EQ(x.tax(10e6, 4e6).tax, 1.75e6);
  // A technology-based SME (revenue and assets up to 2e8) still offsets it.
  x.f.capital[0] = 1e8;
  x.f.sales_avg[0] = 2.5e7;
  EXPECT_DOUBLE_EQ(x.tax(10e6, 4e6).tax, 1.25e6);
}

}  // namespace
