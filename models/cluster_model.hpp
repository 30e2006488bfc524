// The model of the plan's world: clusters and their firms, one quarter at a time. This is the
// Model the engine runs (schema, metrics, goals); the phase order of a step is the phase table
// in quarter.cpp (WorldReplicate::kPhases).
#pragma once

#include "models/policy.hpp"
#include "sim/run/model.hpp"

namespace models {

class ClusterModel final : public sim::Model {
 public:
  ClusterModel();
  const sim::Schema& schema() const override { return schema_; }
  const std::vector<sim::MetricInfo>& metrics() const override { return metrics_; }
  std::unique_ptr<sim::PreparedModel> prepare(const sim::Scenario& scenario) const override;
  sim::GoalResults evaluate_goals(const sim::Scenario& scenario,
                                  const sim::MetricsArray& metrics) const override;
  std::vector<sim::ComparisonMeasure> compare(
      const sim::Scenario& scenario, const sim::MetricsArray& run,
      const sim::MetricsArray& counterfactual) const override;
  std::vector<int> snapshot_steps(const sim::Scenario& scenario) const override;
  std::vector<sim::MemoryItem> memory_per_firm() const override;
  std::string diagnostics(const std::vector<sim::Snapshot>& snapshots, bool json) const override;
  const std::vector<sim::MetricInfo>& facts() const override;
  std::vector<int> fact_steps(const sim::Scenario& scenario) const override;
  std::vector<double> fact_values(const std::vector<sim::Snapshot>& snapshots) const override;
  sim::ReportLayout report_layout() const override;

 private:
  sim::Schema schema_;
  std::vector<sim::MetricInfo> metrics_;
};

// Index of each metric in ClusterModel::metrics(). Each metric before the fiscal costs has its
// row (name, unit, description, value) in WorldReplicate::metric_table (replicate.cpp); the
// fiscal-cost lines follow in ledger order (policy.hpp), then their total.
enum Metric : std::size_t {
  kOutputValue,
  kFirmsBackbone,
  kFirmsSme,
  kFirmsStartup,
  kFirmEntries,
  kFirmExits,
  kRdSpend,
  kRdReported,
  kRdIntensity,
  kPatentsGranted,
  kHnteCount,
  kResearchers,
  kResearchersEmployed,
  kResearcherInflow,
  kResearcherOutflow,
  kResearcherWage,
  kIncubatorTenants,
  kIncubatorGraduates,
  kVcInvested,
  kGuideFundPrivateRaised,
  kFundNav,
  kPlatformCapital,
  kTaxPaid,
  kPrice,
  kMeanLogProductivity,
  kFirmsShortOfFunds,
  kOutputValueTrailingYear,
  kFundGovPaidIn,
  kFundGovDistributions,
  kFundGovNav,
  kFiscalCostFirst,
  kFiscalCostTotal = kFiscalCostFirst + 15,
  kMetricCount
};

// Metric index of a fiscal-cost ledger line.
constexpr std::size_t fiscal_cost_metric(Ledger line) {
  return std::size_t{kFiscalCostFirst} + std::size_t{line};
}

static_assert(std::size_t{kFiscalCostTotal} ==
              std::size_t{kFiscalCostFirst} + std::size_t{kLedgerCount});
static_assert(std::size_t{kMetricCount} == std::size_t{kFiscalCostTotal} + 1);

}  // namespace models
