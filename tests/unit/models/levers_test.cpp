// Each provincial lever (models/policy.cpp) and the technology-transfer exemption moves its
// documented outcomes in the documented direction in ensembles of the small test world; every
// money-costing lever switched off costs exactly nothing; the fiscal ledger adds up; and
// researchers are conserved by their inflows and outflows.
//
// A lever on is compared with it off, replicate r against replicate r (the same seed and
// replicate index, so the same random streams as far as the two runs stay alike). An outcome
// is the per-replicate sum of a metric over the run's steps and the chosen clusters; it "rises"
// when the mean paired difference exceeds three standard errors of that mean, computed from the
// per-replicate differences (or, where the difference does not vary, when it is positive).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/policy.hpp"
#include "sim/run/ensemble.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml";

// Clusters of small.yaml: alpha and gamma are emerging, beta traditional.
constexpr std::size_t kAlpha = 0, kBeta = 1, kGamma = 2;
const std::vector<std::size_t> kAll = {kAlpha, kBeta, kGamma};

const models::ClusterModel& model() {
  static const models::ClusterModel m;
  return m;
}

using Overrides = std::vector<std::string>;

Overrides operator+(Overrides a, const Overrides& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Every cluster supported; `replicates` replicates from 2014Q1 to `end`.
Overrides supported(int replicates, const std::string& end) {
  return {"policy.supported_clusters=1", "run.replicates=" + std::to_string(replicates),
          "run.end=" + end};
}

sim::EnsembleResult run(const Overrides& overrides) {
  return sim::run_ensemble(model(), sim::Scenario::load(kSmall, model().schema(), {overrides}));
}

// Per replicate: the metric summed over every step and the given clusters.
std::vector<double> per_replicate(const sim::EnsembleResult& result, std::size_t metric,
                                  const std::vector<std::size_t>& clusters) {
  const auto& m = result.metrics;
  std::vector<double> out(m.replicates(), 0.0);
  for (std::size_t r = 0; r < m.replicates(); ++r)
    for (std::size_t t = 0; t < m.steps(); ++t)
      for (std::size_t c : clusters) out[r] += m.at(metric, r, t, c);
  return out;
}

struct Paired {
  double on = 0, off = 0;     // means
  double difference = 0;      // mean of on - off
  double standard_error = 0;  // of that mean, from the per-replicate differences
  std::size_t replicates = 0;
};

Paired compare(const std::vector<double>& on, const std::vector<double>& off) {
  Paired p;
  p.replicates = on.size();
  const auto n = static_cast<double>(on.size());
  for (std::size_t r = 0; r < on.size(); ++r) {
    p.on += on[r] / n;
    p.off += off[r] / n;
    p.difference += (on[r] - off[r]) / n;
  }
  double squares = 0;
  for (std::size_t r = 0; r < on.size(); ++r) {
    const double e = on[r] - off[r] - p.difference;
    squares += e * e;
  }
  p.standard_error = on.size() > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0;
  return p;
}

std::string describe(const Paired& p) {
  return "on " + std::to_string(p.on) + ", off " + std::to_string(p.off) + ", difference " +
         std::to_string(p.difference) + ", standard error " + std::to_string(p.standard_error) +
         " over " + std::to_string(p.replicates) + " replicates";
}

// The outcome is larger with the lever on: by more than 3 standard errors, or (when the
// difference is the same in every replicate) at all.
::testing::AssertionResult Rises(const Paired& p) {
  const bool rises = p.standard_error > 0 ? p.difference > 3 * p.standard_error : p.difference > 0;
  if (rises) return ::testing::AssertionSuccess() << describe(p);
  return ::testing::AssertionFailure() << "does not rise: " << describe(p);
}

::testing::AssertionResult Falls(const Paired& p) {
  Paired flipped = p;
  flipped.difference = -p.difference;
  std::swap(flipped.on, flipped.off);
  if (Rises(flipped)) return ::testing::AssertionSuccess() << describe(p);
  return ::testing::AssertionFailure() << "does not fall: " << describe(p);
}

// Within 3 standard errors of no change (exactly no change when the difference never varies).
::testing::AssertionResult Unchanged(const Paired& p) {
  if (std::abs(p.difference) <= 3 * p.standard_error) {
    return ::testing::AssertionSuccess() << describe(p);
  }
  return ::testing::AssertionFailure() << "changes: " << describe(p);
}

Paired compare(const sim::EnsembleResult& on, const sim::EnsembleResult& off, std::size_t metric,
               const std::vector<std::size_t>& clusters = kAll) {
  return compare(per_replicate(on, metric, clusters), per_replicate(off, metric, clusters));
}

std::size_t cost(models::Ledger line) {
  return models::fiscal_cost_metric(line);
}

// The metric summed over every replicate, step and cluster.
double total(const sim::EnsembleResult& result, std::size_t metric) {
  double sum = 0.0;
  for (double x : per_replicate(result, metric, kAll)) sum += x;
  return sum;
}

// Every value of one metric in the given clusters equals `value`.
::testing::AssertionResult AllEqual(const sim::EnsembleResult& result, std::size_t metric,
                                    double value, const std::vector<std::size_t>& clusters = kAll) {
  const auto& m = result.metrics;
  for (std::size_t r = 0; r < m.replicates(); ++r)
    for (std::size_t t = 0; t < m.steps(); ++t)
      for (std::size_t c : clusters) {
        if (m.at(metric, r, t, c) != value) {
          return ::testing::AssertionFailure()
                 << model().metrics()[metric].name << " is " << m.at(metric, r, t, c) << ", not "
                 << value << ", in replicate " << r << " step " << t << " cluster " << c;
        }
      }
  return ::testing::AssertionSuccess();
}

// --- platforms and talent ------------------------------------------------------------------

TEST(LeversPlatforms, RaisePlatformCapitalAndTheirFiscalCost) {
  const Overrides base = supported(8, "2016Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.platforms.investment_per_year=1e9"});
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, models::kPlatformCapital, {c})));
    EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostPlatforms), {c})));
  }
  // 1e9 a year is 2.5e8 a quarter, paid every quarter in every cluster.
  EXPECT_TRUE(AllEqual(on, cost(models::kCostPlatforms), 2.5e8));
  EXPECT_TRUE(AllEqual(off, cost(models::kCostPlatforms), 0.0));
}

TEST(LeversPlatforms, KeyLabsRaiseProductivityThroughOpportunity) {
  // Key labs shift every innovation step (platform.opportunity_effect) on top of the frontier
  // they push; without the shift the same labs move productivity far less.
  const Overrides base =
      supported(16, "2018Q4") + Overrides{"policy.platforms.investment_per_year=1e9"};
  const auto off = run(base + Overrides{"platform.opportunity_effect=0"});
  const auto on = run(base);
  EXPECT_TRUE(Rises(compare(on, off, models::kMeanLogProductivity)));
  EXPECT_TRUE(Rises(compare(on, off, models::kOutputValue)));
}

TEST(LeversTalentProgramme, RaisesResearchersAndItsFiscalCost) {
  const Overrides base = supported(8, "2016Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.talent_programme.recruits_per_year=200"});
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, models::kResearchers, {c})));
    EXPECT_TRUE(Rises(compare(on, off, models::kResearcherInflow, {c})));
  }
  // 200 a year is 50 recruits a quarter at policy_costs.talent_per_recruit = 1e6 each; a grant
  // is paid when its recruit is hired (or founds a firm), so by any quarter the grants paid are
  // at most the cluster's recruits arrived (one who moves unhired forfeits the grant), and some
  // are paid in every cluster (TalentMarket's own tests check the rule exactly). 50 a quarter is
  // more than these small clusters hire, so many leave research unpaid.
  const auto& m = on.metrics;
  const std::size_t line = cost(models::kCostTalentProgramme);
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    for (std::size_t c : kAll) {
      double paid = 0.0;
      for (std::size_t t = 0; t < m.steps(); ++t) {
        paid += m.at(line, r, t, c);
        EXPECT_LE(paid, 50 * 1e6 * static_cast<double>(t + 1) * (1 + 1e-12));
      }
      EXPECT_GT(paid, 0.0);
    }
  }
  EXPECT_TRUE(AllEqual(off, cost(models::kCostTalentProgramme), 0.0));
}

// --- incubators ----------------------------------------------------------------------------

// A fresh folder per test holding a copy of tests/data/initial-state.csv with some values
// replaced.
class DataCopy : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  // Writes the copy; returns the override that makes a scenario read it.
  std::string initial_state(const std::vector<std::pair<std::string, std::string>>& replace) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("clustersim-" + std::string(info->test_suite_name()) + "-" +
                                        info->name() + "-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ifstream in(std::string(CLUSTERSIM_TEST_DATA) + "/initial-state.csv");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& [from, to] : replace) {
      const auto at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    std::ofstream(dir_ / "initial.csv") << text;
    return "world.initial_state_file=" + (dir_ / "initial.csv").string();
  }
  fs::path dir_;
};

// The small world's starting incubators have more room than its startups fill (alpha: 100
// slots for about 40 tenants), so funded slots would stay empty. These tests start from a copy
// of the data with a tenth of the starting capacity, where slots are scarce.
class LeversIncubators : public DataCopy {
 protected:
  Overrides base() {
    return supported(16, "2016Q4") +
           Overrides{
               initial_state({{"alpha,incubator_capacity,100", "alpha,incubator_capacity,10"},
                              {"beta,incubator_capacity,50", "beta,incubator_capacity,5"},
                              {"gamma,incubator_capacity,40", "gamma,incubator_capacity,4"}})};
  }
};

TEST_F(LeversIncubators, CapacityRaisesTenantsAndLowersExits) {
  const auto off = run(base());
  const auto on = run(base() + Overrides{"policy.incubators.capacity=200"});
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, models::kIncubatorTenants, {c})));
  }
  // Tenants fail less often (incubator.hazard_reduction).
  EXPECT_TRUE(Falls(compare(on, off, models::kFirmExits)));
  // 200 slots at policy_costs.incubator_per_slot = 2e4 a year: 1e6 a quarter.
  EXPECT_TRUE(AllEqual(on, cost(models::kCostIncubators), 200 * 2e4 / 4));
  EXPECT_TRUE(AllEqual(off, cost(models::kCostIncubators), 0.0));
}

TEST_F(LeversIncubators, BackboneRunShareActsAtTheSameCost) {
  // Backbone-run slots cost the same subsidy as public ones; who runs them changes tenants'
  // imitation and sales, so the runs differ. (No metric moves clearly: tenants are too small to
  // move cluster aggregates; adjust_funded_capacity is unit-tested in economics_rules_test.)
  const Overrides funded = base() + Overrides{"policy.incubators.capacity=200"};
  const auto public_run = run(funded);
  const auto backbone = run(funded + Overrides{"policy.incubators.backbone_run_share=1"});
  EXPECT_TRUE(AllEqual(backbone, cost(models::kCostIncubators), 200 * 2e4 / 4));
  const auto a = per_replicate(public_run, models::kMeanLogProductivity, kAll);
  const auto b = per_replicate(backbone, models::kMeanLogProductivity, kAll);
  EXPECT_NE(a, b);
}

// --- funds ---------------------------------------------------------------------------------

TEST(LeversGuideFund, RaisesEquityInvestedAndPrivateMoney) {
  const Overrides base = supported(16, "2018Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.guide_fund.capital_per_year=5e8"});
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, models::kVcInvested, {c})));
    EXPECT_TRUE(Rises(compare(on, off, models::kGuideFundPrivateRaised, {c})));
    EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostGuideFund), {c})));
  }
  EXPECT_TRUE(AllEqual(off, models::kGuideFundPrivateRaised, 0.0));
}

TEST(LeversGuideFund, LowerGovernmentShareRaisesPrivateMoneyPerYuan) {
  // The same 5e8 a year: at share g the private target is 5e8 (1 - g) / g, so g 0.1 asks for
  // 4.5e9 and g 0.3 for 1.17e9; realisation is the same function of the lagged multiple.
  const Overrides base =
      supported(16, "2018Q4") + Overrides{"policy.guide_fund.capital_per_year=5e8"};
  const auto high = run(base + Overrides{"policy.guide_fund.gov_share=0.3"});
  const auto low = run(base + Overrides{"policy.guide_fund.gov_share=0.1"});
  // Per government yuan: the private money raised over the 5e8 paid in each year (5 years).
  auto per_yuan = [](std::vector<double> raised) {
    for (double& x : raised) x /= 5 * 5e8;
    return raised;
  };
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    const auto p = compare(per_yuan(per_replicate(low, models::kGuideFundPrivateRaised, {c})),
                           per_yuan(per_replicate(high, models::kGuideFundPrivateRaised, {c})));
    EXPECT_TRUE(Rises(p));
  }
  // In the first quarter the lagged multiple is fund.initial_multiple in both runs, so the ratio
  // of private money is exactly the ratio of targets: 9 / (7/3) = 27/7.
  const auto& m = low.metrics;
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    EXPECT_NEAR(m.at(models::kGuideFundPrivateRaised, r, 0, kAlpha) /
                    high.metrics.at(models::kGuideFundPrivateRaised, r, 0, kAlpha),
                27.0 / 7.0, 1e-9);
  }
}

TEST(LeversGuideFund, ProfitConcessionRaisesPrivateMoney) {
  const Overrides base =
      supported(16, "2018Q4") + Overrides{"policy.guide_fund.capital_per_year=5e8"};
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.guide_fund.profit_concession=0.5"});
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, models::kGuideFundPrivateRaised, {c})));
  }
}

TEST(LeversAngelFund, RaisesEquityWherePrivateVcIsThin) {
  // gamma's private VC is 0.1% of 20 bn a year, too little to finance its good startups; the
  // angel fund adds equity there.
  const Overrides base = supported(16, "2018Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.angel_fund.capital_per_year=1e8"});
  EXPECT_TRUE(Rises(compare(on, off, models::kVcInvested, {kGamma})));
  EXPECT_TRUE(Rises(compare(on, off, models::kFundNav)));
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostAngelFund), {c})));
  }
}

TEST(LeversAngelFund, DoesNotCrowdOutPrivateEquity) {
  // Guide sub-funds and private VC pick their startups before the angel fund does
  // (FundMarket::invest), so angel money only backs startups the others leave: equity invested
  // never falls significantly, in total or in the cluster with the most private VC (alpha).
  // (Before this order, the angel fund took the best startups with small tickets and total
  // equity fell by about a third; see the gamma test above for where it adds equity.)
  // 64 replicates: with 16, a 3-standard-error test of no effect, whose standard error is itself
  // estimated from 16 pairs, failed by chance on one random stream (z = 3.2; with 64 and 128
  // replicates of that stream, no significant difference).
  const Overrides base = supported(64, "2018Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.angel_fund.capital_per_year=1e8"});
  EXPECT_FALSE(Rises(compare(off, on, models::kVcInvested)));
  EXPECT_FALSE(Rises(compare(off, on, models::kVcInvested, {kAlpha})));
}

// --- R&D levers ----------------------------------------------------------------------------

TEST(LeversPostSubsidy, RaisesRdAndItsFiscalCost) {
  const Overrides base = supported(16, "2017Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.post_subsidy.rate=1"});
  EXPECT_TRUE(Rises(compare(on, off, models::kRdSpend)));
  EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostPostSubsidy))));
  EXPECT_TRUE(AllEqual(off, cost(models::kCostPostSubsidy), 0.0));
}

TEST(LeversIpProtection, RaisesRd) {
  const Overrides base = supported(16, "2017Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.ip_protection=1"});
  EXPECT_TRUE(Rises(compare(on, off, models::kRdSpend)));
  EXPECT_TRUE(Rises(compare(on, off, models::kRdReported)));
}

TEST(LeversCollaboration, RaisesProductivityAndItsFiscalCost) {
  const Overrides base = supported(48, "2017Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.collaboration.intensity=1"});
  EXPECT_TRUE(Rises(compare(on, off, models::kMeanLogProductivity)));
  EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostCollaboration))));
}

TEST(LeversOpenInnovation, RaisesProductivity) {
  const Overrides base = supported(16, "2017Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.open_innovation.intensity=1"});
  EXPECT_TRUE(Rises(compare(on, off, models::kMeanLogProductivity)));
  for (std::size_t c : kAll) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Rises(compare(on, off, models::kMeanLogProductivity, {c})));
  }
}

// --- finance -------------------------------------------------------------------------------

// Firms of the small world carry debt only during the shake-out of the first two or three
// years (after that their cash covers their spending), so the finance levers are measured over
// 2014-2016 with many replicates.

TEST(LeversFinance, IpPledgeSubsidisesInterest) {
  const Overrides base = supported(96, "2016Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.finance.ip_pledge=1e7"});
  EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostIpPledge))));
  EXPECT_TRUE(AllEqual(off, cost(models::kCostIpPledge), 0.0));
}

TEST(LeversFinance, RiskCompensationReimbursesLoanLosses) {
  // Banks recover nothing from a failed firm, so any debt at failure is a loss.
  const Overrides base = supported(96, "2016Q4") + Overrides{"firm.loan_recovery=0"};
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.finance.risk_compensation=1"});
  EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostRiskCompensation))));
  EXPECT_TRUE(AllEqual(off, cost(models::kCostRiskCompensation), 0.0));
}

TEST(LeversFinance, RiskCompensationRelievesFirmsShortOfFunds) {
  // Startups scale up faster than their equity lasts; the pool lets banks lend them closer to
  // a backbone firm's terms, so fewer firms have to cut R&D or investment.
  const Overrides base = supported(16, "2018Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.finance.risk_compensation=1"});
  EXPECT_TRUE(Falls(compare(on, off, models::kFirmsShortOfFunds)));
}

TEST(LeversFinance, WithoutCreditMoreFirmsAreShortOfFunds) {
  const Overrides base = supported(16, "2018Q4");
  const auto banks = run(base);
  const auto none = run(base + Overrides{"firm.collateral_ratio=0"});
  EXPECT_TRUE(Rises(compare(none, banks, models::kFirmsShortOfFunds)));
}

TEST(LeversFinance, StartupsScalingUpRunShortOfFunds) {
  // Held to an established firm's investment limit, startups no longer outrun their equity.
  const Overrides base = supported(16, "2018Q4");
  const auto scaling = run(base);
  const auto held = run(base + Overrides{"firm.startup_max_investment_rate=0.05"});
  EXPECT_TRUE(Rises(compare(scaling, held, models::kFirmsShortOfFunds)));
  EXPECT_TRUE(Rises(compare(scaling, held, models::kOutputValue)));
}

TEST(LeversGuideFund, EquityRelievesFirmsShortOfFunds) {
  const Overrides base = supported(16, "2018Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.guide_fund.capital_per_year=5e8"});
  EXPECT_TRUE(Falls(compare(on, off, models::kFirmsShortOfFunds)));
}

// --- phase-out -----------------------------------------------------------------------------

TEST(LeversPhaseOut, RaisesExitsInTheTraditionalClusterOnly) {
  const Overrides base = supported(24, "2017Q4");
  const auto off = run(base);
  const auto on = run(base + Overrides{"policy.phase_out.share=0.2"});
  EXPECT_TRUE(Rises(compare(on, off, models::kFirmExits, {kBeta})));
  EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostPhaseOut), {kBeta})));
  // The emerging clusters close nothing by force: no compensation, and their exits do not
  // change beyond noise.
  EXPECT_TRUE(AllEqual(on, cost(models::kCostPhaseOut), 0.0, {kAlpha, kGamma}));
  for (std::size_t c : {kAlpha, kGamma}) {
    SCOPED_TRACE("cluster " + std::to_string(c));
    EXPECT_TRUE(Unchanged(compare(on, off, models::kFirmExits, {c})));
  }
}

// --- technology-transfer exemption (national) ----------------------------------------------

TEST(LeversTechTransfer, ExemptionCostsTaxForgoneAndLowersTax) {
  // The default exemption of 5 m yuan a year against none.
  const Overrides base = supported(16, "2016Q4");
  const auto on = run(base);
  const auto off = run(base + Overrides{"policy.tech_transfer_exemption=0"});
  EXPECT_TRUE(Rises(compare(on, off, cost(models::kCostTechTransferExemption))));
  EXPECT_TRUE(Falls(compare(on, off, models::kTaxPaid)));
}

TEST(LeversTechTransfer, ZeroExemptionCostsNothing) {
  // With the exemption at 0 there is no technology-transfer preference, so its ledger line is 0.
  const auto off = run(supported(4, "2016Q4") + Overrides{"policy.tech_transfer_exemption=0"});
  EXPECT_TRUE(AllEqual(off, cost(models::kCostTechTransferExemption), 0.0));
}

// --- support and the ledger ----------------------------------------------------------------

// Every provincial lever on (as in accounting_test.cpp) with the given support.
Overrides all_levers(const std::string& support) {
  return {"policy.supported_clusters=" + support,
          "policy.post_subsidy.rate=0.3",
          "policy.guide_fund.capital_per_year=2e8",
          "policy.guide_fund.gov_share=0.25",
          "policy.guide_fund.profit_concession=0.2",
          "policy.angel_fund.capital_per_year=3e7",
          "policy.finance.ip_pledge=2e6",
          "policy.finance.risk_compensation=0.5",
          "policy.incubators.capacity=80",
          "policy.incubators.backbone_run_share=0.5",
          "policy.talent_programme.recruits_per_year=40",
          "policy.platforms.investment_per_year=2e8",
          "policy.collaboration.intensity=0.2",
          "policy.ip_protection=0.5",
          "policy.open_innovation.intensity=0.3",
          "policy.phase_out.share=0.05",
          "firm.loan_recovery=0",
          "run.replicates=4"};
}

bool bit_identical(const sim::MetricsArray& a, const sim::MetricsArray& b) {
  if (a.metrics() != b.metrics() || a.replicates() != b.replicates() || a.steps() != b.steps() ||
      a.clusters() != b.clusters()) {
    return false;
  }
  for (std::size_t k = 0; k < a.metrics(); ++k)
    for (std::size_t r = 0; r < a.replicates(); ++r)
      for (std::size_t t = 0; t < a.steps(); ++t)
        for (std::size_t c = 0; c < a.clusters(); ++c) {
          const double x = a.at(k, r, t, c), y = b.at(k, r, t, c);
          if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
        }
  return true;
}

// The ledger lines that only provincial levers pay.
const std::vector<models::Ledger> kProvincialLines = {
    models::kCostPostSubsidy,     models::kCostGuideFund,        models::kCostAngelFund,
    models::kCostIpPledge,        models::kCostRiskCompensation, models::kCostIncubators,
    models::kCostTalentProgramme, models::kCostPlatforms,        models::kCostCollaboration,
    models::kCostIpProtection,    models::kCostOpenInnovation,   models::kCostPhaseOut};

TEST(LeversSupport, NoSupportTurnsEveryProvincialLeverOff) {
  // With support 0 everywhere, every provincial lever set changes nothing at all.
  const auto none = run({"firm.loan_recovery=0", "run.replicates=4"});
  const auto unsupported = run(all_levers("0"));
  EXPECT_TRUE(bit_identical(none.metrics, unsupported.metrics));
  for (models::Ledger line : kProvincialLines) {
    EXPECT_TRUE(AllEqual(unsupported, cost(line), 0.0));
  }
}

TEST(LeversSupport, SupportOnlyInAlphaPaysOnlyInAlpha) {
  const auto result = run(all_levers("{default: 0, alpha: 1}"));
  for (models::Ledger line : kProvincialLines) {
    SCOPED_TRACE(std::string(models::ledger_lines()[line].name));
    EXPECT_TRUE(AllEqual(result, cost(line), 0.0, {kBeta, kGamma}));
  }
  // Alpha is supported: the levers that pay every quarter do so there.
  for (models::Ledger line :
       {models::kCostIncubators, models::kCostTalentProgramme, models::kCostPlatforms}) {
    EXPECT_GT(per_replicate(result, cost(line), {kAlpha})[0], 0.0)
        << models::ledger_lines()[line].name;
  }
}

TEST(LeversLedger, SwitchingALeverOffZeroesItsCostLine) {
  struct Case {
    models::Ledger line;
    Overrides off;
  };
  const std::vector<Case> cases = {
      {models::kCostRdSuperDeduction,
       {"policy.rd_super_deduction=0", "policy.rd_super_deduction_tech_sme=0"}},
      {models::kCostHnteTaxRate, {"policy.hnte_tax_rate=0.25"}},
      {models::kCostPostSubsidy, {"policy.post_subsidy.rate=0"}},
      {models::kCostGuideFund, {"policy.guide_fund.capital_per_year=0"}},
      {models::kCostAngelFund, {"policy.angel_fund.capital_per_year=0"}},
      {models::kCostIpPledge, {"policy.finance.ip_pledge=0"}},
      {models::kCostRiskCompensation, {"policy.finance.risk_compensation=0"}},
      {models::kCostIncubators, {"policy.incubators.capacity=0"}},
      {models::kCostTalentProgramme, {"policy.talent_programme.recruits_per_year=0"}},
      {models::kCostPlatforms, {"policy.platforms.investment_per_year=0"}},
      {models::kCostCollaboration, {"policy.collaboration.intensity=0"}},
      {models::kCostIpProtection, {"policy.ip_protection=0"}},
      {models::kCostOpenInnovation, {"policy.open_innovation.intensity=0"}},
      {models::kCostTechTransferExemption, {"policy.tech_transfer_exemption=0"}},
      {models::kCostPhaseOut, {"policy.phase_out.share=0"}},
  };
  const auto on = run(all_levers("1"));
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(models::ledger_lines()[c.line].name));
    // The line is live with the lever on, so switching it off is a real test.
    EXPECT_GT(total(on, cost(c.line)), 0.0);
    const auto off = run(all_levers("1") + c.off);
    EXPECT_TRUE(AllEqual(off, cost(c.line), 0.0));
  }
}

TEST(LeversLedger, TotalIsTheSumOfTheLines) {
  for (const auto& overrides : {all_levers("1"), Overrides{"run.replicates=4"}}) {
    const auto result = run(overrides);
    const auto& m = result.metrics;
    for (std::size_t r = 0; r < m.replicates(); ++r)
      for (std::size_t t = 0; t < m.steps(); ++t)
        for (std::size_t c = 0; c < m.clusters(); ++c) {
          double sum = 0.0;
          for (std::size_t l = 0; l < models::kLedgerCount; ++l)
            sum += m.at(models::kFiscalCostFirst + l, r, t, c);
          const double recorded = m.at(models::kFiscalCostTotal, r, t, c);
          ASSERT_NEAR(recorded, sum, 1e-12 * std::abs(sum))
              << "replicate " << r << " step " << t << " cluster " << c;
        }
  }
}

// --- researchers ---------------------------------------------------------------------------

class LeversResearchers : public DataCopy {};

// researchers(t) == researchers(t-1) + inflow(t) - outflow(t) for t >= first, with
// researchers(-1) the data's count; relative 1e-9.
::testing::AssertionResult Conserved(const sim::EnsembleResult& result,
                                     const std::vector<double>& initial, std::size_t first = 0) {
  const auto& m = result.metrics;
  for (std::size_t r = 0; r < m.replicates(); ++r)
    for (std::size_t c = 0; c < m.clusters(); ++c) {
      double before = initial[c];
      for (std::size_t t = 0; t < m.steps(); ++t) {
        const double now = m.at(models::kResearchers, r, t, c);
        const double expected = before + m.at(models::kResearcherInflow, r, t, c) -
                                m.at(models::kResearcherOutflow, r, t, c);
        if (t >= first && !(std::abs(now - expected) <= 1e-9 * std::abs(expected))) {
          return ::testing::AssertionFailure()
                 << "researchers " << now << " but " << expected << " expected in replicate " << r
                 << " step " << t << " cluster " << c;
        }
        before = now;
      }
    }
  return ::testing::AssertionSuccess();
}

TEST_F(LeversResearchers, ConservedByInflowAndOutflow) {
  // From the data's researchers (600, 300, 150 in tests/data/initial-state.csv) at t = 0.
  // Checked with every lever on (recruits, founders, phase-out exits, funded incubators) and
  // with none.
  for (const auto& overrides : {all_levers("1"), Overrides{"run.replicates=4"}}) {
    EXPECT_TRUE(Conserved(run(overrides + Overrides{"run.end=2018Q4"}), {600, 300, 150}));
  }
}

TEST_F(LeversResearchers, StartFromTheDataInAClusterWithoutFirms) {
  // In a cluster without firms (or whose firms plan no R&D) every researcher of the data starts
  // as a job seeker, so none is lost: researchers(0) = 150 + inflow - outflow in gamma below.
  const auto result = run({initial_state({{"gamma,output,2e10", "gamma,output,0"},
                                          {"gamma,firms,40", "gamma,firms,0"}}),
                           "run.replicates=4"});
  EXPECT_TRUE(Conserved(result, {600, 300, 150}));
}

TEST_F(LeversResearchers, FoundersAreNotLostInAClusterWithoutFirms) {
  // Programme recruits found startups only where there is a market to enter; where the last
  // firms leave in the quarter, would-be founders go back to the pool. Either way no researcher
  // is lost.
  const auto result =
      run(supported(4, "2016Q4") + Overrides{initial_state({{"gamma,output,2e10", "gamma,output,0"},
                                                            {"gamma,firms,40", "gamma,firms,0"}}),
                                             "policy.talent_programme.recruits_per_year=200"});
  // From step 1 on, against the recorded count of the step before (which sidesteps the start).
  EXPECT_TRUE(Conserved(result, {600, 300, 150}, 1));
}

}  // namespace
