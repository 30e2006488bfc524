// Rules that need a firm table: the productivity ranking used by imitation (models/firm.cpp),
// the shared R&D plan, the HNTE test at the threshold, and clusters without firms.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "models/tax.hpp"
#include "sim/run/ensemble.hpp"

namespace fs = std::filesystem;

namespace {

// Appends firms with the given clusters and log-productivities.
void add_firms(models::FirmTable& f, const std::vector<std::uint16_t>& clusters,
               const std::vector<double>& a) {
  const std::size_t first = f.agents.append(clusters.size());
  for (std::size_t j = 0; j < clusters.size(); ++j) {
    f.cluster[first + j] = clusters[j];
    f.log_productivity[first + j] = a[j];
  }
}

TEST(ProductivityRanking, GroupsByClusterAndSortsByProductivityThenId) {
  models::FirmTable f;
  // Firm index: 0     1     2     3     4     5
  add_firms(f, {1, 0, 1, 0, 1, 1}, {0.3, 0.1, -0.2, 0.5, 0.3, 0.9});
  models::ProductivityRanking r;
  r.build(f, 2);
  // Cluster 0 holds firms 1 (0.1) and 3 (0.5); cluster 1 holds 2 (-0.2), 0 (0.3, id 0),
  // 4 (0.3, id 4) and 5 (0.9).
  EXPECT_EQ(r.begin, (std::vector<std::size_t>{0, 2, 6}));
  EXPECT_EQ(r.ranked, (std::vector<models::ProductivityRanking::Index>{1, 3, 2, 0, 4, 5}));
  EXPECT_EQ(r.better_than(1, 0), 1u);
  EXPECT_EQ(r.better(1, 0), 3u);
  EXPECT_EQ(r.better_than(3, 0), 0u);
  EXPECT_EQ(r.better_than(2, 1), 3u);
  EXPECT_EQ(r.better(2, 0), 0u);
  EXPECT_EQ(r.better(2, 2), 5u);
  // The tie at 0.3 is broken by id: firm 4 counts as better than firm 0, not the reverse.
  EXPECT_EQ(r.better_than(0, 1), 2u);
  EXPECT_EQ(r.better_than(4, 1), 1u);
}

TEST(ProductivityRanking, EmptyClustersHaveEmptyRanges) {
  models::FirmTable f;
  add_firms(f, {2, 2}, {0.0, 1.0});
  models::ProductivityRanking r;
  r.build(f, 3);
  EXPECT_EQ(r.begin, (std::vector<std::size_t>{0, 0, 0, 2}));
}

TEST(HnteIntensity, FirmReportingExactlyTheThresholdStaysCertified) {
  // A firm reporting 4% of sales every quarter: its moving averages of R&D and sales are
  // equal to 4% of each other only up to rounding, which must not cost it its certification.
  models::TaxRules r;
  double rd_avg = 0.0, sales_avg = 0.0;
  int failures = 0;
  for (int q = 0; q < 200; ++q) {
    const double sales = 1e8 * (1.0 + 0.37 * std::sin(q));  // 40-200 m a year: the 4% band
    rd_avg += (0.04 * sales - rd_avg) / 12;
    sales_avg += (sales - sales_avg) / 12;
    if (q > 0 && sales_avg * 4 > r.hnte_small_sales && sales_avg * 4 <= r.hnte_large_sales &&
        !models::meets_hnte_intensity(rd_avg, sales_avg, r)) {
      ++failures;
    }
  }
  EXPECT_EQ(failures, 0);
  // Clearly below: 3.9% does not pass.
  EXPECT_FALSE(models::meets_hnte_intensity(0.039 * 2e7, 2e7, r));
  EXPECT_FALSE(models::meets_hnte_intensity(1.0, 0.0, r));
}

TEST(QuarterRd, BudgetAtUserCostCappedByLiquidity) {
  models::FirmTable f;
  add_firms(f, {0}, {0.0});
  f.type[0] = static_cast<std::uint8_t>(models::FirmType::Sme);
  f.capital[0] = 1e9;  // not a tech SME: assets above 200 m
  f.cash[0] = 1e8;
  f.sales_avg[0] = 5e8;
  f.takeup_draw[0] = 0.9;  // does not claim at take-up 0.5
  models::FirmParams p{};
  p.rd_share_sme = 0.01;
  p.rd_reference_user_cost = 0.75;
  p.rd_user_cost_elasticity = 1.1;
  p.collateral_ratio = 0.5;
  models::TaxRules r;
  r.deduction_takeup = 0.5;
  r.small_max_assets = 0;
  const models::Levers off{};
  const double credit = p.collateral_ratio * f.capital[0];
  // Profitable standard-rate firm, no deduction: user cost 0.75 = rho0, so RD = 1% of sales.
  auto rd = models::plan_quarter_rd(f, 0, 5e8, 1e7, r, off, credit, p);
  EXPECT_DOUBLE_EQ(rd.deduction, 0.0);
  EXPECT_DOUBLE_EQ(rd.plan.real, 5e6);
  EXPECT_DOUBLE_EQ(rd.plan.reported, 5e6);
  // Claiming 50%: user cost 1 - 0.25 * 1.5 = 0.625, RD = 5e6 * (0.625 / 0.75)^-1.1.
  f.takeup_draw[0] = 0.1;
  rd = models::plan_quarter_rd(f, 0, 5e8, 1e7, r, off, credit, p);
  EXPECT_DOUBLE_EQ(rd.deduction, 0.5);
  EXPECT_NEAR(rd.plan.real, 5e6 * std::pow(0.625 / 0.75, -1.1), 1e-6);
  // No cash and no collateral: nothing to spend.
  f.cash[0] = -0.5e9;
  rd = models::plan_quarter_rd(f, 0, 5e8, 1e7, r, off, credit, p);
  EXPECT_DOUBLE_EQ(rd.plan.real, 0.0);
}

TEST(World, ClusterWithoutFirmsRecordsNoMarket) {
  const fs::path dir = fs::temp_directory_path() / ("clustersim-empty-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ifstream in(std::string(CLUSTERSIM_TEST_DATA) + "/initial-state.csv");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"gamma,output,2e10", "gamma,output,0"},
        {"gamma,firms,40", "gamma,firms,0"}}) {
    text.replace(text.find(from), from.size(), to);
  }
  std::ofstream(dir / "initial.csv") << text;
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(
      std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml", model.schema(),
      {{"world.initial_state_file=" + (dir / "initial.csv").string(), "run.replicates=2"}});
  const auto result = sim::run_ensemble(model, sc);
  for (std::size_t t = 0; t < result.metrics.steps(); ++t) {
    EXPECT_EQ(result.metrics.at(models::kOutputValue, 0, t, 2), 0.0);
    EXPECT_EQ(result.metrics.at(models::kFirmEntries, 0, t, 2), 0.0);
    EXPECT_TRUE(std::isnan(result.metrics.at(models::kPrice, 0, t, 2)));
    EXPECT_TRUE(std::isfinite(result.metrics.at(models::kPrice, 0, t, 0)));
  }
  fs::remove_all(dir);
}

}  // namespace
