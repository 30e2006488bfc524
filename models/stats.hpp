// Stylized facts of firm populations from per-firm snapshots (models/README.md, "Stylized facts"):
// the upper tail of the size distribution, the shape of annual growth rates, productivity
// dispersion and its persistence, and R&D intensity around the HNTE thresholds.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sim/run/model.hpp"

namespace models {

// Hill estimator of the Pareto tail exponent from the k largest of `sizes` (k >= 2):
// alpha = k / sum_{i<k} ln(x_(i) / x_(k)), x_(0) the largest. NaN when there are too few.
double hill_tail_exponent(std::vector<double> sizes, std::size_t k);

// Moments and fits of a sample of growth rates.
struct GrowthShape {
  std::size_t n = 0;
  double mean = 0, sd = 0;
  double kurtosis = 0;                             // 3 for a normal, 6 for a Laplace
  double laplace_location = 0, laplace_scale = 0;  // median and mean absolute deviation from it
  double loglik_laplace_minus_normal = 0;          // per observation; > 0 favours Laplace
};
GrowthShape growth_shape(const std::vector<double>& growth);

// Pearson correlation; NaN when either side has no variance.
double correlation(const std::vector<double>& x, const std::vector<double>& y);

struct StatsReport {
  std::string first_date, last_date;
  std::size_t firms_last = 0;
  double tail_exponent = 0;       // median over replicates, last snapshot
  GrowthShape growth;             // annual log growth of sales, matched firms, all years pooled
  double productivity_90_10 = 0;  // median over clusters and replicates, exp(a90 - a10)
  double productivity_persistence =
      0;                          // correlation of a's deviation from its cluster mean a year apart
  std::vector<double> rd_bins;    // lower edges of R&D-intensity bins
  std::vector<double> rd_shares;  // share of firms with positive sales in each bin
  std::vector<double> thresholds;  // HNTE intensity thresholds
  std::vector<double> bunching;    // share just above / share just below each threshold
  // Share of firms whose R&D or investment in the snapshot's quarter was cut to the cash and
  // credit they had, all snapshots pooled: by type (backbone, SME, startup) and by age (younger
  // than three years, older). NaN for files written before the column existed.
  std::array<double, 3> short_of_funds_by_type{};
  std::array<double, 2> short_of_funds_by_age{};
};

StatsReport firm_stats(const std::vector<sim::Snapshot>& snapshots,
                       const std::vector<std::string>& dates);
std::string stats_text(const StatsReport& report);

// The report's scalar facts a calibration can target (models/README.md, "Stylized facts as
// targets"): their names, units and meaning, and their values in that order.
const std::vector<sim::MetricInfo>& fact_infos();
std::vector<double> fact_values_of(const StatsReport& report);
std::string stats_json(const StatsReport& report);

}  // namespace models
