// Variance-based sensitivity analysis: Saltelli's sampling design for Sobol indices and the
// first-order (Saltelli 2010) and total (Jansen 1999) estimators, with bootstrap intervals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sim {

// Saltelli's design for `factors` factors and `base_samples` base samples, in the unit cube.
// Matrices A and B are the first and last `factors` columns of a 2*factors-dimensional Sobol
// sequence (its first point, all zeros, skipped); AB_i is A with column i taken from B.
// Values lie in [0, 1). Throws std::invalid_argument for no factors, no base samples, or more
// factors than the Sobol tables hold (1833).
// Rows are grouped per base sample j: A_j, AB_j^1, ..., AB_j^factors, B_j, so there are
// base_samples * (factors + 2) rows of `factors` values each, row-major.
std::vector<double> saltelli_design(std::size_t factors, std::size_t base_samples);

// Rows of the design per base sample.
inline std::size_t saltelli_rows_per_sample(std::size_t factors) {
  return factors + 2;
}

struct SobolIndex {
  double first = 0.0, first_low = 0.0, first_high = 0.0;  // S_i and its bootstrap interval
  double total = 0.0, total_low = 0.0, total_high = 0.0;  // S_Ti and its bootstrap interval
  // Bootstrap standard errors (standard deviation over the resamples) of S_i and S_Ti.
  double first_se = 0.0, total_se = 0.0;
};

struct SobolResult {
  std::vector<SobolIndex> factors;  // in design column order
  double variance = 0.0;            // Var(Y) over the A and B rows
  std::size_t base_samples = 0;
  std::size_t bootstrap = 0;
  double confidence = 0.0;
  std::uint64_t seed = 0;  // of the bootstrap resamples
};

// Indices from model outputs y, one per design row in saltelli_design's order. Intervals are
// bootstrap percentile intervals at `confidence` (e.g. 0.95) from `bootstrap` resamples of the
// base samples, drawn from a counter-based stream keyed by `seed`; with `bootstrap` 0 the
// intervals and standard errors are NaN. Throws std::invalid_argument when y's length does not
// fit the design, when y has a non-finite value or does not vary over the A and B rows, when
// there are fewer than 2 base samples, or when `confidence` is not inside (0, 1).
SobolResult sobol_indices(std::span<const double> y, std::size_t factors, std::size_t base_samples,
                          std::size_t bootstrap, double confidence, std::uint64_t seed);

}  // namespace sim
