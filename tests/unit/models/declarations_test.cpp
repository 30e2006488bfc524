// What is declared once stays declared once: every Levers field is filled by exactly one row of
// the lever table and the schema has that row's setting; the metric table has one row per metric
// before the fiscal costs, in the metric list's order; and the bytes a firm takes are summed from
// the firm table's columns (models/policy.hpp, models/replicate.hpp, models/cluster.hpp).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "models/cluster.hpp"
#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/policy.hpp"
#include "models/replicate.hpp"
#include "sim/config/scenario.hpp"

namespace {

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml";

const models::ClusterModel& model() {
  static const models::ClusterModel m;
  return m;
}

// --- the lever table -------------------------------------------------------------------------

// Each row writes its own position + 1 into the field it fills (a flag: true).
models::Levers filled_row_by_row() {
  models::Levers levers;
  for (std::size_t r = 0; r < models::kLeverTable.size(); ++r) {
    const models::LeverRow& row = models::kLeverTable[r];
    if (row.flag != nullptr) {
      levers.*row.flag = true;
    } else {
      levers.*row.number = static_cast<double>(r + 1);
    }
  }
  return levers;
}

TEST(LeverTable, FillsEveryLeversFieldExactlyOnce) {
  const models::Levers levers = filled_row_by_row();
  // Names every field of Levers: a field added without its row stops this from compiling.
  const auto& [supported, post_subsidy_rate, guide_fund_capital, guide_fund_gov_share,
               guide_fund_concession, angel_fund_capital, ip_pledge, risk_compensation,
               incubator_capacity, incubator_backbone_share, talent_recruits, platform_investment,
               collaboration, ip_protection, open_innovation, phase_out_share] = levers;
  const std::vector<double> numbers = {
      post_subsidy_rate,     guide_fund_capital,  guide_fund_gov_share,
      guide_fund_concession, angel_fund_capital,  ip_pledge,
      risk_compensation,     incubator_capacity,  incubator_backbone_share,
      talent_recruits,       platform_investment, collaboration,
      ip_protection,         open_innovation,     phase_out_share};
  EXPECT_TRUE(supported);
  // Two rows filling one field would leave another field at 0 and repeat a value.
  const std::set<double> distinct(numbers.begin(), numbers.end());
  EXPECT_EQ(distinct.size(), numbers.size());
  EXPECT_EQ(distinct.count(0.0), 0u);
  EXPECT_EQ(models::kLeverTable.size(), numbers.size() + 1);
}

TEST(LeverTable, EveryRowFillsOneFieldAndOnlyTheSwitchActsEverywhere) {
  for (const models::LeverRow& row : models::kLeverTable) {
    EXPECT_NE(row.number == nullptr, row.flag == nullptr) << row.key;
    const bool is_switch = row.flag == &models::Levers::supported;
    EXPECT_EQ(row.reach == models::LeverReach::Everywhere, is_switch) << row.key;
  }
}

TEST(LeverTable, TheSchemaDeclaresEveryRowAsALever) {
  for (const models::LeverRow& row : models::kLeverTable) {
    const sim::Setting* setting = model().schema().find(std::string(row.key));
    ASSERT_NE(setting, nullptr) << row.key;
    EXPECT_EQ(setting->type, sim::SettingType::Number) << row.key;
    EXPECT_EQ(setting->unit, row.unit) << row.key;
    EXPECT_EQ(setting->min, row.min) << row.key;
    EXPECT_EQ(setting->max, row.max) << row.key;
    EXPECT_EQ(setting->default_yaml, row.default_yaml) << row.key;
    EXPECT_EQ(setting->description, row.description) << row.key;
    EXPECT_TRUE(setting->by_date && setting->by_cluster) << row.key;
  }
}

TEST(LeverTable, LeversAreInForceOnlyWhereSupportedButCheckedAsWritten) {
  const auto sc = sim::Scenario::load(
      kSmall, model().schema(),
      {{"policy.supported_clusters={default: 0, alpha: 1}",
        "policy.talent_programme.recruits_per_year=40", "policy.guide_fund.gov_share=0.5"}});
  const int q = sc.calendar().first_quarter;
  const models::Levers alpha = models::levers_at(sc, q, 0);
  EXPECT_TRUE(alpha.supported);
  EXPECT_EQ(alpha.talent_recruits, 40.0);
  EXPECT_EQ(alpha.guide_fund_gov_share, 0.5);
  const models::Levers beta = models::levers_at(sc, q, 1);
  EXPECT_FALSE(beta.supported);
  EXPECT_EQ(beta.talent_recruits, 0.0);
  EXPECT_EQ(beta.guide_fund_gov_share, 0.0);
  const models::Levers written = models::levers_written(sc, q, 1);
  EXPECT_FALSE(written.supported);
  EXPECT_EQ(written.talent_recruits, 40.0);
  EXPECT_EQ(written.guide_fund_gov_share, 0.5);
}

// --- the metric table ------------------------------------------------------------------------

TEST(MetricTable, HasOneRowPerMetricBeforeTheFiscalCosts) {
  const auto& rows = models::WorldReplicate::metric_table();
  const auto& metrics = model().metrics();
  ASSERT_EQ(metrics.size(), std::size_t{models::kMetricCount});
  ASSERT_EQ(rows.size() + models::kLedgerCount + 1, metrics.size());
  for (std::size_t m = 0; m < rows.size(); ++m) {
    EXPECT_EQ(rows[m].metric, m);
    EXPECT_EQ(metrics[m].name, rows[m].name);
    EXPECT_EQ(metrics[m].units, rows[m].unit);
    EXPECT_EQ(metrics[m].description, rows[m].description);
  }
  for (std::size_t l = 0; l < models::kLedgerCount; ++l) {
    const auto line = static_cast<models::Ledger>(l);
    EXPECT_EQ(metrics[models::fiscal_cost_metric(line)].name,
              "fiscal_cost_" + std::string(models::ledger_lines()[l].name));
  }
  EXPECT_EQ(metrics[models::kFiscalCostTotal].name, "fiscal_cost_total");
}

TEST(MetricTable, KeepsTheOrderResultFilesDependOn) {
  const std::vector<std::string> expected = {"output_value",
                                             "firms_backbone",
                                             "firms_sme",
                                             "firms_startup",
                                             "firm_entries",
                                             "firm_exits",
                                             "rd_spend",
                                             "rd_reported",
                                             "rd_intensity",
                                             "patents_granted",
                                             "hnte_count",
                                             "researchers",
                                             "researchers_employed",
                                             "researcher_inflow",
                                             "researcher_outflow",
                                             "researcher_wage",
                                             "incubator_tenants",
                                             "incubator_graduates",
                                             "vc_invested",
                                             "guide_fund_private_raised",
                                             "fund_nav",
                                             "platform_capital",
                                             "tax_paid",
                                             "price",
                                             "mean_log_productivity",
                                             "firms_short_of_funds",
                                             "output_value_trailing_year",
                                             "fund_gov_paid_in",
                                             "fund_gov_distributions",
                                             "fund_gov_nav",
                                             "fiscal_cost_rd_super_deduction",
                                             "fiscal_cost_hnte_tax_rate",
                                             "fiscal_cost_tech_transfer_exemption",
                                             "fiscal_cost_post_subsidy",
                                             "fiscal_cost_guide_fund",
                                             "fiscal_cost_angel_fund",
                                             "fiscal_cost_ip_pledge",
                                             "fiscal_cost_risk_compensation",
                                             "fiscal_cost_incubators",
                                             "fiscal_cost_talent_programme",
                                             "fiscal_cost_platforms",
                                             "fiscal_cost_collaboration",
                                             "fiscal_cost_ip_protection",
                                             "fiscal_cost_open_innovation",
                                             "fiscal_cost_phase_out",
                                             "fiscal_cost_total"};
  std::vector<std::string> names;
  for (const auto& m : model().metrics()) names.push_back(m.name);
  EXPECT_EQ(names, expected);
}

// --- bytes per firm --------------------------------------------------------------------------

TEST(BytesPerFirm, EveryVectorOfTheFirmTableIsAColumn) {
  // The firm table is its agent table and one vector per column: each must be registered for
  // bytes_per_row (and compaction) to see it.
  const models::FirmTable firms;
  const std::size_t vectors =
      (sizeof(models::FirmTable) - sizeof(sim::AgentTable)) / sizeof(std::vector<double>);
  EXPECT_EQ(firms.agents.column_count(), vectors);
}

TEST(BytesPerFirm, IsTheFirmRowPlusThePerFirmScratch) {
  const models::FirmTable firms;
  // The ranking's index and rank, the compaction's runs (at most one of 16 bytes per two
  // firms), the funds' candidate lists (at most every firm, per block and by cluster).
  const std::size_t scratch = 2 * sizeof(models::ProductivityRanking::Index) + sizeof(std::size_t) +
                              2 * sizeof(models::FundCandidate);
  EXPECT_EQ(models::bytes_per_firm(), firms.agents.bytes_per_row() + scratch);
}

}  // namespace
