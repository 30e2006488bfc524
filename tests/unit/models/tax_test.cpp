// Enterprise income tax rules (models/tax.hpp): regimes, marginal rates, the super-deduction,
// the R&D user cost, the HNTE criteria and certification, the technology-transfer relief, loss
// carry-forward and a quarter's tax, with hand-computed values of the national schedule, and
// the schedule as read from the plan's scenario.
#include <gtest/gtest.h>

#include <string>

#include "models/cluster_model.hpp"
#include "models/tax.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/calendar.hpp"

namespace {

// The national rules in 2015Q4 (Caishui [2015] 99): small low-profit ceiling 3e5, one bracket
// taxed at an effective 10% (half the income at 20%), industrial assets up to 3e7.
models::TaxRules rules_2015q4() {
  models::TaxRules r;
  r.standard_rate = 0.25;
  r.hnte_rate = 0.15;
  r.small_ceiling = 3e5;
  r.small_bracket = 3e5;
  r.small_rate_low = 0.10;
  r.small_rate_high = 0.10;
  r.small_max_assets = 3e7;
  return r;
}

// The 2019 rules (Caishui [2019] 13): ceiling 3e6, 5% up to 1e6 and 10% above, assets up to
// 5e7.
models::TaxRules rules_2019() {
  models::TaxRules r;
  r.standard_rate = 0.25;
  r.hnte_rate = 0.15;
  r.small_ceiling = 3e6;
  r.small_bracket = 1e6;
  r.small_rate_low = 0.05;
  r.small_rate_high = 0.10;
  r.small_max_assets = 5e7;
  return r;
}

int quarter(const char* text) {
  return sim::quarter_number(*sim::parse_date(text));
}

// --- hnte_certification_gain: the status's worth under the firm's own regime ----------------

TEST(TaxHnteGain, AFirmAtTheStandardRateSavesTenPoints) {
  // Taxable 1e7 a year, assets 1e9 (never small): 25% - 15% of 1e7 = 1e6.
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(1e7, 1e9, rules_2019()), 1e6);
}

TEST(TaxHnteGain, ASmallLowProfitFirmSavesNothing) {
  // 2019: taxable 8e5 <= 1e6 at 5% = 4e4; the HNTE rate would be 1.2e5, so the status changes
  // nothing. 2015Q4: taxable 2e5 at an effective 10% = 2e4, below 15% as well.
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(8e5, 1e7, rules_2019()), 0.0);
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(2e5, 1e7, rules_2015q4()), 0.0);
}

TEST(TaxHnteGain, JustAboveTheSmallProfitCeilingTheFullCutApplies) {
  // 2019: taxable 3.2e6 > ceiling 3e6, so the standard 25% = 8e5 against 15% = 4.8e5: 3.2e5.
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(3.2e6, 1e7, rules_2019()), 3.2e5);
  // The same income with assets over 5e7 is not small either: the same gain.
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(3.2e6, 6e7, rules_2019()), 3.2e5);
}

TEST(TaxHnteGain, ASmallIncomeOfALargeFirmGainsTheCut) {
  // Taxable 8e5 but assets 6e7 > 5e7: not small, 25% = 2e5 against 15% = 1.2e5: 8e4.
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(8e5, 6e7, rules_2019()), 8e4);
}

TEST(TaxHnteGain, NoTaxableIncomeNoGain) {
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(0.0, 1e9, rules_2019()), 0.0);
  EXPECT_DOUBLE_EQ(models::hnte_certification_gain(-5e6, 1e9, rules_2019()), 0.0);
}

// --- annual_income_tax ---------------------------------------------------------------------

TEST(TaxIncome, SmallLowProfitIn2015) {
  // Taxable 2e5 <= 3e5 ceiling, assets 1e7 <= 3e7: 0.10 * 2e5 = 2e4 (standard: 5e4).
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e5, false, 1e7, rules_2015q4()), 2e4);
  // At the ceiling itself the regime still applies: 0.10 * 3e5 = 3e4.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(3e5, false, 1e7, rules_2015q4()), 3e4);
}

TEST(TaxIncome, SmallLowProfitIn2019TwoBrackets) {
  // Taxable 2e6: 0.05 * 1e6 + 0.10 * (2e6 - 1e6) = 5e4 + 1e5 = 1.5e5.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e6, false, 1e7, rules_2019()), 1.5e5);
  // Taxable 5e5, inside the first bracket: 0.05 * 5e5 = 2.5e4.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(5e5, false, 1e7, rules_2019()), 2.5e4);
  // Taxable 3e6 at the ceiling: 5e4 + 0.10 * 2e6 = 2.5e5.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(3e6, false, 1e7, rules_2019()), 2.5e5);
}

TEST(TaxIncome, AboveTheCeilingPaysTheStandardRateOnEverything) {
  // 2015: taxable 3.5e5 > 3e5: 0.25 * 3.5e5 = 87,500.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(3.5e5, false, 1e7, rules_2015q4()), 87'500.0);
  // 2019: taxable 4e6 > 3e6: 0.25 * 4e6 = 1e6.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(4e6, false, 1e7, rules_2019()), 1e6);
}

TEST(TaxIncome, HnteRateVersusStandardRate) {
  // Taxable 1e8 (far above the small ceiling): HNTE 0.15 * 1e8 = 1.5e7, standard 2.5e7.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(1e8, true, 1e9, rules_2015q4()), 1.5e7);
  EXPECT_DOUBLE_EQ(models::annual_income_tax(1e8, false, 1e9, rules_2015q4()), 2.5e7);
}

TEST(TaxIncome, SmallRegimeRefusedWhenAssetsExceedTheLimit) {
  // Taxable 2e5 qualifies by income, but assets 4e7 > 3e7: standard 0.25 * 2e5 = 5e4, or
  // HNTE 0.15 * 2e5 = 3e4; at exactly 3e7 the regime applies again (2e4).
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e5, false, 4e7, rules_2015q4()), 5e4);
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e5, true, 4e7, rules_2015q4()), 3e4);
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e5, false, 3e7, rules_2015q4()), 2e4);
}

TEST(TaxIncome, CheapestRegimeWinsForAnHnteSmallFirm) {
  // An HNTE with taxable 2e5 and small assets: small regime 2e4 < HNTE 3e4 < standard 5e4.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e5, true, 1e7, rules_2015q4()), 2e4);
  // 2019, taxable 2.5e6: small 5e4 + 1.5e5 = 2e5 < HNTE 0.15 * 2.5e6 = 3.75e5.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2.5e6, true, 1e7, rules_2019()), 2e5);
}

TEST(TaxIncome, NoTaxOnLossesOrZeroIncome) {
  EXPECT_EQ(models::annual_income_tax(-5e6, false, 1e7, rules_2019()), 0.0);
  EXPECT_EQ(models::annual_income_tax(-1.0, true, 1e9, rules_2015q4()), 0.0);
  EXPECT_EQ(models::annual_income_tax(0.0, false, 1e7, rules_2019()), 0.0);
}

// --- marginal_tax_rate ---------------------------------------------------------------------

TEST(TaxMarginalRate, FollowsTheRegimeAndBracket) {
  const auto r19 = rules_2019();
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(5e5, false, 1e7, r19), 0.05);  // first bracket
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(1e6, false, 1e7, r19), 0.05);  // bracket edge
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(2e6, false, 1e7, r19), 0.10);  // second bracket
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(4e6, false, 1e7, r19), 0.25);  // above ceiling
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(4e6, true, 1e7, r19), 0.15);   // HNTE
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(2e6, false, 6e7, r19), 0.25);  // assets too big
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(2e6, true, 6e7, r19), 0.15);
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(2e5, true, 1e7, rules_2015q4()), 0.10);
}

TEST(TaxMarginalRate, ZeroWithoutTaxableIncome) {
  EXPECT_EQ(models::marginal_tax_rate(0.0, false, 1e7, rules_2019()), 0.0);
  EXPECT_EQ(models::marginal_tax_rate(-1e6, true, 1e7, rules_2019()), 0.0);
}

TEST(TaxMarginalRate, HnteRateSwitchedOffEqualsStandard) {
  // Setting the HNTE rate to the standard rate switches the preference off: 0.25 either way.
  auto r = rules_2019();
  r.hnte_rate = r.standard_rate;
  EXPECT_DOUBLE_EQ(models::marginal_tax_rate(1e8, true, 1e9, r), 0.25);
  EXPECT_DOUBLE_EQ(models::annual_income_tax(1e8, true, 1e9, r), 2.5e7);
}

// --- technology-based SMEs and the super-deduction -----------------------------------------

TEST(TaxTechSme, RevenueAndAssetLimitsAreInclusive) {
  const models::TaxRules r;  // limits 2e8 revenue and 2e8 assets
  EXPECT_TRUE(models::is_tech_sme(1e8, 1e8, r));
  EXPECT_TRUE(models::is_tech_sme(2e8, 2e8, r));
  EXPECT_FALSE(models::is_tech_sme(2.5e8, 1e8, r));
  EXPECT_FALSE(models::is_tech_sme(1e8, 2.5e8, r));
}

TEST(TaxSuperDeduction, TechSmeGetsTheHigherRateFrom2017) {
  // 2017: general 50%, tech SMEs 75%.
  models::TaxRules r;
  r.deduction_general = 0.5;
  r.deduction_tech_sme = 0.75;
  EXPECT_DOUBLE_EQ(models::super_deduction(true, true, r), 0.75);
  EXPECT_DOUBLE_EQ(models::super_deduction(false, true, r), 0.5);
  EXPECT_EQ(models::super_deduction(true, false, r), 0.0);
  EXPECT_EQ(models::super_deduction(false, false, r), 0.0);
  // Should the general rate exceed the tech-SME one, a tech SME still gets the larger.
  r.deduction_general = 1.0;
  EXPECT_DOUBLE_EQ(models::super_deduction(true, true, r), 1.0);
}

TEST(TaxUserCost, HallJorgensonForm) {
  // 1 - t (1 + theta): 1 - 0.25 * 1.5 = 0.625; 1 - 0.25 * 1.75 = 0.5625;
  // 1 - 0.15 * 1.75 = 0.7375; no tax: 1; no deduction: 1 - 0.25 = 0.75.
  EXPECT_DOUBLE_EQ(models::rd_user_cost(0.25, 0.5), 0.625);
  EXPECT_DOUBLE_EQ(models::rd_user_cost(0.25, 0.75), 0.5625);
  EXPECT_DOUBLE_EQ(models::rd_user_cost(0.15, 0.75), 0.7375);
  EXPECT_DOUBLE_EQ(models::rd_user_cost(0.0, 0.75), 1.0);
  EXPECT_DOUBLE_EQ(models::rd_user_cost(0.25, 0.0), 0.75);
}

// --- HNTE criteria -------------------------------------------------------------------------

TEST(TaxHnte, IntensityThresholdBySalesBand) {
  // Guokefahuo [2016] 32: sales <= 5e7 -> 5%, 5e7 .. 2e8 (inclusive) -> 4%, above -> 3%.
  models::TaxRules r;
  r.hnte_intensity_small = 0.05;
  EXPECT_DOUBLE_EQ(models::hnte_intensity_threshold(1e7, r), 0.05);
  EXPECT_DOUBLE_EQ(models::hnte_intensity_threshold(5e7, r), 0.05);
  EXPECT_DOUBLE_EQ(models::hnte_intensity_threshold(5e7 + 1, r), 0.04);
  EXPECT_DOUBLE_EQ(models::hnte_intensity_threshold(2e8, r), 0.04);
  EXPECT_DOUBLE_EQ(models::hnte_intensity_threshold(2e8 + 1, r), 0.03);
  EXPECT_DOUBLE_EQ(models::hnte_intensity_threshold(1e10, r), 0.03);
}

TEST(TaxHnte, CertificationRunsDownAndRenewsWhenTheCriterionIsMet) {
  models::TaxRules r;  // 4% for sales between 5e7 and 2e8 a year
  // Quarterly averages: sales 2.5e7 (1e8 a year), R&D 1e6 (4%) meets it; 0.9e6 does not.
  EXPECT_EQ(models::hnte_quarters_after(5, true, 1e6, 2.5e7, 12, r), 4);
  // The term runs out: renewed for a full term if the criterion is met...
  EXPECT_EQ(models::hnte_quarters_after(1, true, 1e6, 2.5e7, 12, r), 12);
  EXPECT_EQ(models::hnte_quarters_after(0, true, 1e6, 2.5e7, 12, r), 12);
  // ...not if it is missed or the products do not qualify.
  EXPECT_EQ(models::hnte_quarters_after(1, true, 0.9e6, 2.5e7, 12, r), 0);
  EXPECT_EQ(models::hnte_quarters_after(0, false, 1e6, 2.5e7, 12, r), 0);
  // A certified firm keeps its term even when it misses the criterion meanwhile.
  EXPECT_EQ(models::hnte_quarters_after(3, true, 0.0, 2.5e7, 12, r), 2);
}

// --- technology-transfer relief and loss carry-forward --------------------------------------

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

TEST(TaxLossCarry, LongerPeriodForHntesAndTechnologyBasedSmes) {
  models::TaxRules r;  // technology-based SMEs: revenue and assets up to 2e8
  EXPECT_TRUE(models::long_loss_carry(true, 1e9, 1e9, r));
  EXPECT_TRUE(models::long_loss_carry(false, 2e8, 2e8, r));
  EXPECT_FALSE(models::long_loss_carry(false, 2e8 + 1, 1e8, r));
  EXPECT_FALSE(models::long_loss_carry(false, 1e8, 2e8 + 1, r));
}

// --- the schedule of the plan's scenario ---------------------------------------------------

class TaxScenario : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new models::ClusterModel();
    scenario_ = new sim::Scenario(sim::Scenario::load(
        std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml", model_->schema()));
  }
  static void TearDownTestSuite() {
    delete scenario_;
    delete model_;
    scenario_ = nullptr;
    model_ = nullptr;
  }
  static models::TaxRules at(const char* date) {
    return models::tax_rules_at(*scenario_, quarter(date), 0);
  }
  static models::ClusterModel* model_;
  static sim::Scenario* scenario_;
};

models::ClusterModel* TaxScenario::model_ = nullptr;
sim::Scenario* TaxScenario::scenario_ = nullptr;

TEST_F(TaxScenario, SuperDeductionSchedule) {
  // General firms: 50% until 2017Q4, 75% from 2018Q1 (Caishui [2018] 99).
  EXPECT_DOUBLE_EQ(at("2014Q1").deduction_general, 0.5);
  EXPECT_DOUBLE_EQ(at("2017Q4").deduction_general, 0.5);
  EXPECT_DOUBLE_EQ(at("2018Q1").deduction_general, 0.75);
  EXPECT_DOUBLE_EQ(at("2020Q4").deduction_general, 0.75);
  // Tech SMEs: 50% until 2016Q4, 75% from 2017Q1 (Caishui [2017] 34).
  EXPECT_DOUBLE_EQ(at("2016Q4").deduction_tech_sme, 0.5);
  EXPECT_DOUBLE_EQ(at("2017Q1").deduction_tech_sme, 0.75);
  // Take-up: 0.5 before the plan, 0.7 from 2016 as the baseline scenario assumes.
  EXPECT_DOUBLE_EQ(at("2015Q4").deduction_takeup, 0.5);
  EXPECT_DOUBLE_EQ(at("2016Q1").deduction_takeup, 0.7);
}

TEST_F(TaxScenario, SmallProfitSchedule) {
  EXPECT_DOUBLE_EQ(at("2014Q2").small_ceiling, 1e5);
  EXPECT_DOUBLE_EQ(at("2015Q1").small_ceiling, 2e5);
  EXPECT_DOUBLE_EQ(at("2015Q3").small_ceiling, 2e5);
  EXPECT_DOUBLE_EQ(at("2015Q4").small_ceiling, 3e5);
  EXPECT_DOUBLE_EQ(at("2017Q2").small_ceiling, 5e5);
  EXPECT_DOUBLE_EQ(at("2018Q3").small_ceiling, 1e6);
  EXPECT_DOUBLE_EQ(at("2019Q1").small_ceiling, 3e6);
  EXPECT_DOUBLE_EQ(at("2019Q1").small_bracket, 1e6);
  EXPECT_DOUBLE_EQ(at("2018Q4").small_rate_low, 0.10);
  EXPECT_DOUBLE_EQ(at("2019Q1").small_rate_low, 0.05);
  EXPECT_DOUBLE_EQ(at("2019Q1").small_rate_high, 0.10);
  EXPECT_DOUBLE_EQ(at("2018Q4").small_max_assets, 3e7);
  EXPECT_DOUBLE_EQ(at("2019Q1").small_max_assets, 5e7);
}

TEST_F(TaxScenario, RatesAndHnteCriteria) {
  const auto r = at("2015Q2");
  EXPECT_DOUBLE_EQ(r.standard_rate, 0.25);
  EXPECT_DOUBLE_EQ(r.hnte_rate, 0.15);
  // Small-band intensity 6% before 2016 (Guokefahuo [2008] 172), 5% from 2016 ([2016] 32).
  EXPECT_DOUBLE_EQ(at("2015Q4").hnte_intensity_small, 0.06);
  EXPECT_DOUBLE_EQ(at("2016Q1").hnte_intensity_small, 0.05);
  EXPECT_DOUBLE_EQ(r.hnte_intensity_medium, 0.04);
  EXPECT_DOUBLE_EQ(r.hnte_intensity_large, 0.03);
  EXPECT_DOUBLE_EQ(r.hnte_small_sales, 5e7);
  EXPECT_DOUBLE_EQ(r.hnte_large_sales, 2e8);
  EXPECT_DOUBLE_EQ(r.tech_sme_max_revenue, 2e8);
  EXPECT_DOUBLE_EQ(r.tech_sme_max_assets, 2e8);
}

TEST_F(TaxScenario, HandComputedTaxWithTheScheduleRules) {
  // 2015Q4 rules, taxable 2e5, assets 1e7: 0.10 * 2e5 = 2e4.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e5, false, 1e7, at("2015Q4")), 2e4);
  // 2015Q3 rules (ceiling 2e5): taxable 2.5e5 is too much: 0.25 * 2.5e5 = 62,500;
  // a quarter later (ceiling 3e5) the same income pays 0.10 * 2.5e5 = 25,000.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2.5e5, false, 1e7, at("2015Q3")), 62'500.0);
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2.5e5, false, 1e7, at("2015Q4")), 25'000.0);
  // 2019 rules, taxable 2e6: 0.05 * 1e6 + 0.10 * 1e6 = 1.5e5.
  EXPECT_DOUBLE_EQ(models::annual_income_tax(2e6, false, 1e7, at("2019Q2")), 1.5e5);
  // User cost of a standard-rate tech SME claiming 75% in 2017: 1 - 0.25 * 1.75 = 0.5625.
  const auto r17 = at("2017Q1");
  const double theta = models::super_deduction(models::is_tech_sme(1e8, 1e8, r17), true, r17);
  EXPECT_DOUBLE_EQ(models::rd_user_cost(models::marginal_tax_rate(1e8, false, 1e8, r17), theta),
                   0.5625);
}

TEST_F(TaxScenario, EveryClusterHasTheNationalSchedule) {
  // National law applies to all clusters alike in the plan's scenario.
  const int q = quarter("2019Q1");
  for (std::size_t c = 0; c < scenario_->clusters().size(); ++c) {
    const auto r = models::tax_rules_at(*scenario_, q, c);
    EXPECT_DOUBLE_EQ(r.small_ceiling, 3e6) << "cluster " << c;
    EXPECT_DOUBLE_EQ(r.deduction_general, 0.75) << "cluster " << c;
  }
}

TEST_F(TaxScenario, LossCarryForwardIsFiveYearsTenForHntesFrom2018) {
  // EIT law art. 18: five years, i.e. 20 quarters; Caishui [2018] 76: ten years (40 quarters)
  // for HNTEs and technology-based SMEs from 2018.
  EXPECT_EQ(at("2015Q2").loss_carry_quarters, 20);
  EXPECT_EQ(at("2019Q1").loss_carry_quarters, 20);
  EXPECT_EQ(at("2017Q4").loss_carry_quarters_long, 20);
  EXPECT_EQ(at("2018Q1").loss_carry_quarters_long, 40);
}

// Taxable income of a quarter after a loss `quarters_earlier` quarters before, under the
// scenario's rules of 2015: the loss pool is carried through quarter_tax quarter by quarter.
double taxable_after_loss(const models::TaxRules& r, int quarters_earlier) {
  // A loss of 100 (a standard-rate firm without preferences), then nothing until income of 50.
  const auto quarter = [&](double profit, const models::LossCarry& carry) {
    return models::quarter_tax({profit, 0, 0, false, false, 1e9}, carry.pool, carry.age, r);
  };
  models::LossCarry carry = quarter(-100, {}).carry;
  for (int q = 1; q < quarters_earlier; ++q) carry = quarter(0, carry).carry;
  return quarter(50, carry).tax / r.standard_rate;
}

TEST_F(TaxScenario, ALossOffsetsIncomeForExactlyFiveYears) {
  auto r = at("2015Q2");
  r.small_ceiling = 0;  // the standard rate, so that tax / rate is the taxable income
  // Income 4 years (16 quarters) and exactly 5 years (20 quarters) later is still offset...
  EXPECT_EQ(taxable_after_loss(r, 16), 0.0);
  EXPECT_EQ(taxable_after_loss(r, 17), 0.0);
  EXPECT_EQ(taxable_after_loss(r, 20), 0.0);
  // ...but not 21 quarters or 6 years later: the loss has lapsed.
  EXPECT_EQ(taxable_after_loss(r, 21), 50.0);
  EXPECT_EQ(taxable_after_loss(r, 24), 50.0);
  // Five quarters are not five years.
  EXPECT_EQ(taxable_after_loss(r, 6), 0.0);
}

// --- quarter_tax ---------------------------------------------------------------------------

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
