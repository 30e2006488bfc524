// Whole runs with every provincial lever on: determinism across thread counts, and the money
// of the levers that pay out accounted for yuan by yuan against the metrics.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/fund.hpp"
#include "models/goals.hpp"
#include "sim/run/ensemble.hpp"

namespace {

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml";

// The small world with every provincial lever on from 2015 in every cluster.
std::vector<std::string> all_levers_on() {
  return {"policy.supported_clusters={2015: 1}",
          "policy.post_subsidy.rate=0.3",
          "policy.guide_fund.capital_per_year=2e8",
          "policy.guide_fund.gov_share=0.25",
          "policy.guide_fund.profit_concession=0.2",
          "policy.angel_fund.capital_per_year=3e7",
          "policy.finance.ip_pledge=2e6",
          "policy.finance.risk_compensation=0.5",
          "policy.incubators.capacity={2015: 40, 2016: 80}",
          "policy.incubators.backbone_run_share=0.5",
          "policy.talent_programme.recruits_per_year=40",
          "policy.platforms.investment_per_year=2e8",
          "policy.collaboration.intensity=0.2",
          "policy.ip_protection=0.5",
          "policy.open_innovation.intensity=0.3",
          "policy.phase_out.share=0.05",
          "output.firm_snapshots=true"};
}

sim::Scenario load(const models::ClusterModel& model, std::vector<std::string> extra = {}) {
  auto overrides = all_levers_on();
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return sim::Scenario::load(kSmall, model.schema(), {overrides});
}

sim::EnsembleResult run_with_threads(const models::ClusterModel& model, const sim::Scenario& sc,
                                     std::size_t threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  return sim::run_ensemble(model, sc);
}

std::size_t metric(const models::ClusterModel& model, const std::string& name) {
  const auto& infos = model.metrics();
  for (std::size_t m = 0; m < infos.size(); ++m) {
    if (infos[m].name == name) return m;
  }
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

bool is_first_quarter(const sim::Scenario& sc, std::size_t t) {
  return sim::quarter_label(sc.calendar().quarter_of_step(static_cast<int>(t))).ends_with("Q1");
}

bool supported(const sim::Scenario& sc, std::size_t t) {
  return sc.calendar().quarter_of_step(static_cast<int>(t)) >= sim::quarter_number({2015, 1, 1});
}

TEST(Accounting, AllLeversOnIsBitIdenticalForOneAndTwoThreads) {
  const models::ClusterModel model;
  const auto sc = load(model);
  const auto one = run_with_threads(model, sc, 1);
  const auto two = run_with_threads(model, sc, 2);
  const auto& a = one.metrics;
  const std::size_t n = a.metrics() * a.replicates() * a.steps() * a.clusters();
  EXPECT_EQ(std::memcmp(a.metric(0), two.metrics.metric(0), n * sizeof(double)), 0);
  ASSERT_EQ(one.snapshots.size(), two.snapshots.size());
  for (std::size_t s = 0; s < one.snapshots.size(); ++s) {
    EXPECT_EQ(one.snapshots[s].values, two.snapshots[s].values);
  }
}

TEST(Accounting, EveryLeverIsActiveInTheAllOnWorld) {
  // Guards the tests below: each paying lever really pays something in this world.
  const models::ClusterModel model;
  // Banks recover nothing from a failed firm, so any debt at failure is a loss to compensate.
  const auto result = sim::run_ensemble(model, load(model, {"firm.loan_recovery=0"}));
  for (const auto& line : models::ledger_lines()) {
    const std::size_t m = metric(model, "fiscal_cost_" + std::string(line.name));
    double total = 0.0;
    const auto& r = result.metrics;
    for (std::size_t i = 0; i < r.replicates(); ++i)
      for (std::size_t t = 0; t < r.steps(); ++t)
        for (std::size_t c = 0; c < r.clusters(); ++c) total += r.at(m, i, t, c);
    EXPECT_GT(total, 0.0) << line.name;
  }
}

TEST(Accounting, PlatformCapitalIsDepreciatedCapitalPlusPublicInvestment) {
  const models::ClusterModel model;
  const auto sc = load(model);
  const auto result = sim::run_ensemble(model, sc);
  const auto& m = result.metrics;
  const std::size_t capital = metric(model, "platform_capital");
  const std::size_t cost = metric(model, "fiscal_cost_platforms");
  const double delta = sc.number("platform.depreciation");
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    for (std::size_t t = 1; t < m.steps(); ++t) {
      for (std::size_t c = 0; c < m.clusters(); ++c) {
        const double expected = (1 - delta) * m.at(capital, r, t - 1, c) + m.at(cost, r, t, c);
        EXPECT_NEAR(m.at(capital, r, t, c), expected, 1e-9 * std::abs(expected) + 1e-6);
        // 2e8 a year, a quarter each quarter, only while supported.
        EXPECT_EQ(m.at(cost, r, t, c), supported(sc, t) ? 5e7 : 0.0);
      }
    }
  }
}

TEST(Accounting, FundCapitalPaidInEqualsTheLeversWhenNothingComesBack) {
  // Without exits and with funds outliving the run, no money returns: the government pays in
  // exactly its commitments, at the first quarter of each supported year. The private partners
  // bring the target share times the realisation: at the starting lagged multiple in the first
  // year, at most the target later (write-offs of failed firms lower the multiple).
  const models::ClusterModel model;
  const auto sc = load(model, {"fund.exit_rate=0", "fund.life_quarters=160", "fund.vc.rate=0"});
  const auto result = sim::run_ensemble(model, sc);
  const auto& m = result.metrics;
  const std::size_t guide = metric(model, "fiscal_cost_guide_fund");
  const std::size_t angel = metric(model, "fiscal_cost_angel_fund");
  const std::size_t raised = metric(model, "guide_fund_private_raised");
  const std::size_t invested = metric(model, "vc_invested");
  const double realisation = models::private_realisation(
      sc.number("fund.realisation.base"), sc.number("fund.initial_multiple"),
      sc.number("fund.realisation.return_sensitivity"), 0.2,
      sc.number("fund.realisation.concession_sensitivity"));
  const double private_target = 2e8 * (1 - 0.25) / 0.25;
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    for (std::size_t c = 0; c < m.clusters(); ++c) {
      double committed = 0.0, spent = 0.0;
      for (std::size_t t = 0; t < m.steps(); ++t) {
        const bool commits = supported(sc, t) && is_first_quarter(sc, t);
        EXPECT_EQ(m.at(guide, r, t, c), commits ? 2e8 : 0.0);
        EXPECT_EQ(m.at(angel, r, t, c), commits ? 3e7 : 0.0);
        if (commits && t == 4) {
          EXPECT_NEAR(m.at(raised, r, t, c), private_target * realisation, 1e-3);
        }
        EXPECT_LE(m.at(raised, r, t, c), commits ? private_target : 0.0);
        committed += m.at(guide, r, t, c) + m.at(angel, r, t, c) + m.at(raised, r, t, c);
        spent += m.at(invested, r, t, c);
      }
      // Guide and angel money (plus private VC, not counted here) can only be invested once.
      EXPECT_GT(committed, 0.0);
      EXPECT_LE(spent, committed + 1e-3) << "replicate " << r << " cluster " << c;
    }
  }
}

TEST(Accounting, TalentAndIncubatorSubsidiesFollowTheirRules) {
  const models::ClusterModel model;
  const auto sc = load(model);
  const auto result = sim::run_ensemble(model, sc);
  const auto& m = result.metrics;
  const std::size_t talent = metric(model, "fiscal_cost_talent_programme");
  const std::size_t incubators = metric(model, "fiscal_cost_incubators");
  const double per_recruit = sc.number("policy_costs.talent_per_recruit");
  const double per_slot = sc.number("policy_costs.incubator_per_slot");
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    // Talent grants are paid when recruits (10 a quarter per supported cluster) are hired or
    // found a firm: never more than have arrived in the cluster (a recruit who moves before
    // being hired forfeits the grant), and most of them in a run whose firms hire.
    std::vector<double> arrived(m.clusters(), 0.0), paid(m.clusters(), 0.0);
    for (std::size_t t = 0; t < m.steps(); ++t) {
      const int q = sc.calendar().quarter_of_step(static_cast<int>(t));
      const double slots = q >= sim::quarter_number({2016, 1, 1})   ? 80.0
                           : q >= sim::quarter_number({2015, 1, 1}) ? 40.0
                                                                    : 0.0;
      for (std::size_t c = 0; c < m.clusters(); ++c) {
        arrived[c] += supported(sc, t) ? 10.0 : 0.0;
        paid[c] += m.at(talent, r, t, c) / per_recruit;
        EXPECT_LE(paid[c], arrived[c] * (1 + 1e-12)) << "replicate " << r << " step " << t;
        EXPECT_DOUBLE_EQ(m.at(incubators, r, t, c), slots * per_slot / 4.0);
      }
    }
    for (std::size_t c = 0; c < m.clusters(); ++c) EXPECT_GT(paid[c], 0.5 * arrived[c]);
  }
}

TEST(Accounting, CollaborationAndBudgetLeversCostWhatTheirRulesSay) {
  // Collaboration: the province co-funds policy_costs.collaboration_cofunding of the real R&D
  // of its firms times the lever (0.2 here). IP protection and open innovation are budgets: the
  // lever times the yearly budget, a quarter each quarter, while the cluster is supported.
  const models::ClusterModel model;
  const auto sc = load(model);
  const auto result = sim::run_ensemble(model, sc);
  const auto& m = result.metrics;
  const std::size_t collaboration = metric(model, "fiscal_cost_collaboration");
  const std::size_t rd = metric(model, "rd_spend");
  const std::size_t ip = metric(model, "fiscal_cost_ip_protection");
  const std::size_t open = metric(model, "fiscal_cost_open_innovation");
  const double cofunding = sc.number("policy_costs.collaboration_cofunding");
  const double ip_budget = sc.number("policy_costs.ip_protection_per_year");
  const double open_budget = sc.number("policy_costs.open_innovation_per_year");
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    for (std::size_t t = 0; t < m.steps(); ++t) {
      const bool on = supported(sc, t);
      for (std::size_t c = 0; c < m.clusters(); ++c) {
        // Summed firm by firm against the sum of R&D: equal up to rounding.
        const double expected = on ? cofunding * 0.2 * m.at(rd, r, t, c) : 0.0;
        EXPECT_NEAR(m.at(collaboration, r, t, c), expected, 1e-9 * expected);
        EXPECT_DOUBLE_EQ(m.at(ip, r, t, c), on ? 0.5 * ip_budget / 4.0 : 0.0);
        EXPECT_DOUBLE_EQ(m.at(open, r, t, c), on ? 0.3 * open_budget / 4.0 : 0.0);
      }
    }
  }
}

// The goals' own measure of annual output, recorded as a metric, is what the goals compute from
// output_value, bit for bit: from a cold start and after a warm-up (whose quarters it leaves out).
TEST(Accounting, TheTrailingYearMetricIsTheGoalsAnnualOutput) {
  const models::ClusterModel model;
  for (const char* warm_up : {"world.warm_up_quarters=0", "world.warm_up_quarters=4"}) {
    SCOPED_TRACE(warm_up);
    const auto sc = load(model, {warm_up});
    const auto result = run_with_threads(model, sc, 2);
    const auto& m = result.metrics;
    const std::size_t block = m.steps() * m.clusters();
    for (std::size_t r = 0; r < m.replicates(); ++r) {
      const double* recorded = m.metric(models::kOutputValueTrailingYear) + r * block;
      const auto expected = models::trailing_annual_output(
          m.metric(models::kOutputValue) + r * block, m.steps(), m.clusters());
      ASSERT_EQ(std::memcmp(recorded, expected.data(), block * sizeof(double)), 0);
    }
  }
}

TEST(Accounting, EveryMetricSaysHowItAddsUp) {
  const models::ClusterModel model;
  const auto& infos = model.metrics();
  EXPECT_EQ(infos[models::kOutputValue].kind, sim::MetricKind::AnnualRate);
  EXPECT_EQ(infos[models::kOutputValueTrailingYear].kind, sim::MetricKind::TrailingYear);
  EXPECT_EQ(infos[models::kFirmsBackbone].kind, sim::MetricKind::Stock);
  EXPECT_EQ(infos[models::kFundNav].kind, sim::MetricKind::Stock);
  EXPECT_EQ(infos[models::kRdSpend].kind, sim::MetricKind::Flow);
  EXPECT_EQ(infos[models::kPrice].kind, sim::MetricKind::Ratio);
  EXPECT_EQ(infos[models::kFiscalCostTotal].kind, sim::MetricKind::Flow);
  // The unit agrees with the kind: flows are per quarter, annual rates per year.
  for (const auto& info : infos) {
    SCOPED_TRACE(info.name);
    if (info.kind == sim::MetricKind::Flow) EXPECT_TRUE(info.units.ends_with("/quarter"));
    if (info.kind == sim::MetricKind::AnnualRate || info.kind == sim::MetricKind::TrailingYear)
      EXPECT_TRUE(info.units.ends_with("/year"));
    if (info.kind == sim::MetricKind::Stock)
      EXPECT_FALSE(info.units.find('/') != std::string::npos);
  }
}

// --- cost accounting: provincial against national money, funds gross and net ---------------

double measure(const std::vector<sim::ComparisonMeasure>& measures, const std::string& name,
               std::size_t r) {
  for (const auto& m : measures) {
    if (m.name == name) return m.per_replicate.at(r);
  }
  ADD_FAILURE() << "no measure " << name;
  return 0.0;
}

TEST(Accounting, FundMoneyGrossNetAndTheGovernmentsShareOfNav) {
  const models::ClusterModel model;
  const auto sc = load(model);
  const auto result = run_with_threads(model, sc, 2);
  const auto& m = result.metrics;
  double nav_at_end = 0.0;
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    for (std::size_t t = 0; t < m.steps(); ++t) {
      for (std::size_t c = 0; c < m.clusters(); ++c) {
        // The fiscal lines of the two funds are the government's paid-in less distributions.
        const double lines = m.at(models::fiscal_cost_metric(models::kCostGuideFund), r, t, c) +
                             m.at(models::fiscal_cost_metric(models::kCostAngelFund), r, t, c);
        const double net =
            m.at(models::kFundGovPaidIn, r, t, c) - m.at(models::kFundGovDistributions, r, t, c);
        EXPECT_NEAR(lines, net, 1e-9 * std::max(1.0, std::abs(net)));
        // The government's claim is part of the funds' NAV.
        const double gov_nav = m.at(models::kFundGovNav, r, t, c);
        EXPECT_GE(gov_nav, 0.0);
        EXPECT_LE(gov_nav, m.at(models::kFundNav, r, t, c) * (1 + 1e-12));
        if (t + 1 == m.steps()) nav_at_end += gov_nav;
      }
    }
  }
  EXPECT_GT(nav_at_end, 0.0);  // the funds hold something at the end
}

TEST(Accounting, PublicMoneyIsProvincialBudgetPlusNationalTaxExpenditure) {
  const models::ClusterModel model;
  const auto sc = load(model);
  const auto counterfactual = sim::Scenario::load(kSmall, model.schema(), {});
  const auto run = run_with_threads(model, sc, 2);
  const auto base = run_with_threads(model, counterfactual, 2);
  const auto measures = model.compare(sc, run.metrics, base.metrics);
  for (std::size_t r = 0; r < run.metrics.replicates(); ++r) {
    SCOPED_TRACE(r);
    const double all = measure(measures, "public_money", r);
    const double provincial = measure(measures, "provincial_budget", r);
    const double national = measure(measures, "national_tax_expenditure", r);
    EXPECT_NEAR(all, provincial + national, 1e-9 * std::abs(all));
    EXPECT_GT(national, 0.0);
    EXPECT_GT(provincial, 0.0);
    // Net of the fund value it still owns, the province spent less, and each yuan of it bought
    // more output.
    const double gross = measure(measures, "fund_capital_gross", r);
    const double net = measure(measures, "fund_capital_net", r);
    EXPECT_GT(gross, 0.0);
    EXPECT_LT(net, gross);
    // The credit is the government's claim on fund NAV at the run's end, beyond the
    // counterfactual's.
    double nav_gained = 0.0;
    const std::size_t last = run.metrics.steps() - 1;
    for (std::size_t c = 0; c < run.metrics.clusters(); ++c) {
      nav_gained += run.metrics.at(models::kFundGovNav, r, last, c) -
                    base.metrics.at(models::kFundGovNav, r, last, c);
    }
    EXPECT_GT(nav_gained, 0.0);
    EXPECT_NEAR(provincial - measure(measures, "provincial_budget_net", r), nav_gained,
                1e-9 * nav_gained);
    EXPECT_LT(measure(measures, "provincial_budget_net", r), provincial);
    const double output = measure(measures, "output_gained", r);
    EXPECT_DOUBLE_EQ(measure(measures, "output_per_public_yuan", r), output / all);
    EXPECT_DOUBLE_EQ(measure(measures, "output_per_provincial_yuan", r), output / provincial);
    EXPECT_DOUBLE_EQ(measure(measures, "output_per_provincial_yuan_net", r),
                     output / measure(measures, "provincial_budget_net", r));
  }
  // Money is in yuan in the data (reports print bn yuan).
  for (const auto& m : measures) {
    if (m.name.find("money") != std::string::npos || m.name.find("budget") != std::string::npos)
      EXPECT_EQ(m.unit, "yuan") << m.name;
  }
}

}  // namespace
