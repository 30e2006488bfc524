// The model of the plan's world: clusters and their firms, one quarter at a time. This is the
// Model the engine runs; the phase order of a step is in world.cpp.
#pragma once

#include "sim/model.hpp"

namespace models {

class ClusterModel final : public sim::Model {
 public:
  ClusterModel();
  const sim::Schema& schema() const override { return schema_; }
  const std::vector<sim::MetricInfo>& metrics() const override { return metrics_; }
  std::unique_ptr<sim::PreparedModel> prepare(const sim::Scenario& scenario) const override;
  sim::GoalResults evaluate_goals(const sim::Scenario& scenario,
                                  const sim::MetricsArray& metrics) const override;

 private:
  sim::Schema schema_;
  std::vector<sim::MetricInfo> metrics_;
};

// Index of each metric in ClusterModel::metrics().
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
  kTaxPaid,
  kFiscalCostRdDeduction,
  kFiscalCostHnte,
  kPrice,
  kMeanLogProductivity,
  kMetricCount
};

}  // namespace models
