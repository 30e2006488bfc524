// Funds: the fund rules and the FundMarket (by hand).
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
  EXPECT_EQ(market.investor(fm, p.a), 1u);  // fund id 0 + 1
  EXPECT_EQ(market.investor(fm, p.f), 1u);
  EXPECT_EQ(market.investor(fm, p.g), 3u);  // VC of cluster 0, fund id 2
  EXPECT_EQ(market.investor(fm, p.b), 0u);
  EXPECT_EQ(market.investor(fm, p.d), 4u);
  EXPECT_EQ(market.investor(fm, p.c), 0u);
  EXPECT_EQ(market.investor(fm, p.e), 0u);
  // Stakes: ticket / (10 + ticket): 10/20, 10/20, 2.5/12.5, 5/15.
  EXPECT_DOUBLE_EQ(market.stake(fm, p.a), 0.5);
  EXPECT_DOUBLE_EQ(market.stake(fm, p.f), 0.5);
  EXPECT_DOUBLE_EQ(market.stake(fm, p.g), 0.2);
  EXPECT_EQ(market.stake(fm, p.b), 0.0);
  EXPECT_DOUBLE_EQ(market.stake(fm, p.d), 1.0 / 3);
  EXPECT_EQ(market.stake(fm, p.c), 0.0);
  // The ticket is the firm's new cash and the stake's cost.
  EXPECT_DOUBLE_EQ(fm.cash[p.a], 10);
  EXPECT_DOUBLE_EQ(fm.cash[p.g], 2.5);
  EXPECT_EQ(fm.cash[p.b], 0.0);
  EXPECT_DOUBLE_EQ(market.stake_cost(fm, p.d), 5);
  EXPECT_EQ(fm.cash[p.e], 0.0);
  EXPECT_EQ(market.invested_step(fm, p.a), 0);
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

TEST(EconomicsRulesFundMarket, AQuarterWithFewerFirmsSeesOnlyItsOwnCandidates) {
  // The screening lists candidates per block of 1024 firms. After a quarter of 2,100 startups
  // (three blocks, all above the hurdle), the table shrinks to 1,000 firms (one block), all
  // backbone and so never candidates: the next quarter must find none, not the candidates
  // that the third block listed a quarter before.
  models::FundMarket market(1, fund_params());
  models::FundFlows flows;
  flows.reset(1);
  market.commit(0, {fund_levers(32, 0.25, 0, 0)}, {1e4}, flows);
  models::FirmTable firms;
  const std::size_t n = 2100;
  firms.agents.append(n);
  for (std::size_t i = 0; i < n; ++i) {
    firms.type[i] = static_cast<std::uint8_t>(FirmType::Startup);
    firms.log_productivity[i] = 0.5;
    firms.sales[i] = 1;
    firms.capital[i] = 10;
    firms.alive[i] = 1;
  }
  market.quarter(0, firms, {0.0}, rng_for(0), flows);
  ASSERT_GT(flows.invested[0], 0.0);
  for (std::size_t i = 0; i < 1000; ++i)
    firms.type[i] = static_cast<std::uint8_t>(FirmType::Backbone);
  for (std::size_t i = 0; i < n; ++i) firms.alive[i] = i < 1000 ? 1 : 0;
  firms.agents.compact(firms.alive);
  ASSERT_EQ(firms.size(), 1000u);
  flows.reset(1);
  market.quarter(1, firms, {0.0}, rng_for(1), flows);
  EXPECT_EQ(flows.invested[0], 0.0);
}

TEST(EconomicsRulesFundMarket, WriteOffClearsTheStakeAndLowersTheLaggedMultiple) {
  models::FundMarket market(2, fund_params());
  models::FundFlows flows;
  flows.reset(2);
  market.commit(0, {fund_levers(32, 0.25, 0, 8), models::Levers{}}, {1e4, 2e4}, flows);
  Portfolio p;
  market.quarter(0, p.firms, {0.0, 0.0}, rng_for(0), flows);
  ASSERT_EQ(market.investor(p.firms, p.a), 1u);
  // A fails: its 10 are lost. Lagged multiple 1 + 0.5 * (0 / 10 - 1) = 0.5.
  market.write_off(p.firms, p.a);
  EXPECT_EQ(market.investor(p.firms, p.a), 0u);
  EXPECT_EQ(market.stake(p.firms, p.a), 0.0);
  EXPECT_EQ(market.stake_cost(p.firms, p.a), 0.0);
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
    if (step == 5 && market.investor(p.firms, p.f) != 0) market.write_off(p.firms, p.f);
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

}  // namespace
