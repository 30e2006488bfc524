#include "sim/analysis/sobol.hpp"

#include <fmt/format.h>
#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "sim/core/checked.hpp"
#include "sim/core/random.hpp"
#include "sim/run/goals.hpp"

namespace sim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Boost's default tables (Joe and Kuo) give this many Sobol dimensions.
constexpr std::size_t kSobolDimensions = boost::random::default_sobol_table::max_dimension;

using SobolSequence = boost::random::sobol_engine<std::uint64_t, 64>;

// A 64-bit Sobol coordinate as a double in [0, 1): keeping the top 53 bits makes the conversion
// exact, so no value rounds up to 1.
double unit_interval(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1p-53;
}

void check_design(std::size_t factors, std::size_t base_samples) {
  if (factors == 0) throw std::invalid_argument("a Saltelli design needs at least one factor");
  if (2 * factors > kSobolDimensions) {
    throw std::invalid_argument(
        fmt::format("a Saltelli design of {} factors needs {} Sobol dimensions; the tables hold {}",
                    factors, 2 * factors, kSobolDimensions));
  }
  if (base_samples == 0) {
    throw std::invalid_argument("a Saltelli design needs at least one base sample");
  }
}

void check_outputs(std::span<const double> y, std::size_t factors, std::size_t base_samples,
                   double confidence) {
  check_design(factors, base_samples);
  if (base_samples < 2) throw std::invalid_argument("Sobol indices need at least 2 base samples");
  const std::size_t stride = saltelli_rows_per_sample(factors);
  // Checked: a product that wraps around could equal y's size, and the estimates would then
  // size their arrays by the huge base samples.
  const std::optional<std::size_t> rows = checked_product({base_samples, stride});
  if (rows != y.size()) {
    throw std::invalid_argument(fmt::format(
        "y has {} values; a Saltelli design of {} factors and {} base samples has {} rows ({} per "
        "base sample)",
        y.size(), factors, base_samples, rows ? fmt::to_string(*rows) : "more than 2^64", stride));
  }
  const auto bad = std::find_if(y.begin(), y.end(), [](double v) { return !std::isfinite(v); });
  if (bad != y.end()) {
    const auto row = static_cast<std::size_t>(bad - y.begin());
    throw std::invalid_argument(fmt::format("y[{}] is not finite ({}): row {} of base sample {}",
                                            row, *bad, row % stride, row / stride));
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument(
        fmt::format("the confidence level must lie strictly between 0 and 1, not {}", confidence));
  }
}

// First-order (Saltelli et al. 2010) and total (Jansen 1999) indices over the base samples
// listed in `samples` (repeats allowed: a bootstrap resample), written to `first` and `total`.
// Returns Var(Y) over the A and B rows of those samples; the indices are meaningless when it
// is 0. Outputs are centred on the mean of the A and B rows first: the estimators are
// unchanged in expectation, and round-off no longer grows with the mean (Sobol' 2001).
double estimate(std::span<const double> y, std::size_t factors,
                std::span<const std::size_t> samples, std::span<double> first,
                std::span<double> total) {
  const std::size_t stride = saltelli_rows_per_sample(factors);
  const std::size_t b_row = factors + 1;
  const auto n = static_cast<double>(samples.size());
  double sum = 0.0;
  for (std::size_t j : samples) sum += y[j * stride] + y[j * stride + b_row];
  const double mean = sum / (2.0 * n);
  double squares = 0.0;
  for (std::size_t j : samples) {
    const double a = y[j * stride] - mean, b = y[j * stride + b_row] - mean;
    squares += a * a + b * b;
  }
  const double variance = squares / (2.0 * n);
  std::fill(first.begin(), first.end(), 0.0);
  std::fill(total.begin(), total.end(), 0.0);
  for (std::size_t j : samples) {
    const double* row = y.data() + j * stride;
    const double a = row[0] - mean, b = row[b_row] - mean;
    for (std::size_t i = 0; i < factors; ++i) {
      const double ab = row[1 + i] - mean;
      first[i] += b * (ab - a);
      total[i] += (a - ab) * (a - ab);
    }
  }
  for (std::size_t i = 0; i < factors; ++i) {
    first[i] /= n * variance;
    total[i] /= 2.0 * n * variance;
  }
  return variance;
}

// A resample of the base samples, with replacement, from resample `resample`'s own stream:
// each resample is a pure function of (seed, resample), whatever order they are drawn in.
void draw_resample(std::uint64_t seed, std::size_t resample, std::span<std::size_t> samples) {
  RandomStream stream(seed, 0, 0, 0, resample);
  const std::size_t n = samples.size();
  for (auto& s : samples) {
    s = std::min(static_cast<std::size_t>(stream.uniform() * static_cast<double>(n)), n - 1);
  }
}

struct Interval {
  double low = kNaN, high = kNaN, standard_error = kNaN;
};

// Percentile interval and standard deviation of one index over the resamples; resamples whose
// output did not vary (NaN) are left out.
Interval percentile_interval(std::span<const double> resampled, double confidence) {
  std::vector<double> values;
  values.reserve(resampled.size());
  for (double v : resampled) {
    if (std::isfinite(v)) values.push_back(v);
  }
  Interval out;
  if (values.size() < 2) return out;
  const double tail = (1.0 - confidence) / 2.0;
  out.low = quantile(values, tail);
  out.high = quantile(values, 1.0 - tail);
  const double mean =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  out.standard_error = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return out;
}

// Bootstrap intervals of every index, in place. The resampled indices are kept per factor
// ([factor][resample]) so that each factor's values are contiguous for the percentiles.
void bootstrap_intervals(std::span<const double> y, SobolResult& result) {
  const std::size_t factors = result.factors.size();
  const std::size_t resamples = result.bootstrap;
  std::vector<double> first_resampled(factors * resamples), total_resampled(factors * resamples);
  std::vector<std::size_t> samples(result.base_samples);
  std::vector<double> first(factors), total(factors);
  for (std::size_t r = 0; r < resamples; ++r) {
    draw_resample(result.seed, r, samples);
    const bool varies = estimate(y, factors, samples, first, total) > 0.0;
    for (std::size_t i = 0; i < factors; ++i) {
      first_resampled[i * resamples + r] = varies ? first[i] : kNaN;
      total_resampled[i * resamples + r] = varies ? total[i] : kNaN;
    }
  }
  for (std::size_t i = 0; i < factors; ++i) {
    const std::span<const double> all_first(first_resampled);
    const std::span<const double> all_total(total_resampled);
    const Interval f =
        percentile_interval(all_first.subspan(i * resamples, resamples), result.confidence);
    const Interval t =
        percentile_interval(all_total.subspan(i * resamples, resamples), result.confidence);
    SobolIndex& index = result.factors[i];
    index.first_low = f.low;
    index.first_high = f.high;
    index.first_se = f.standard_error;
    index.total_low = t.low;
    index.total_high = t.high;
    index.total_se = t.standard_error;
  }
}

}  // namespace

std::vector<double> saltelli_design(std::size_t factors, std::size_t base_samples) {
  check_design(factors, base_samples);
  // Boost's sequence starts at index 1 (its first point is 0.5, ...), so the all-zero point
  // (index 0), which would put every factor at its lower bound, is already skipped.
  SobolSequence sequence(2 * factors);
  std::vector<double> point(2 * factors);
  std::vector<double> out;
  out.reserve(base_samples * saltelli_rows_per_sample(factors) * factors);
  for (std::size_t j = 0; j < base_samples; ++j) {
    for (double& x : point) x = unit_interval(sequence());
    const auto a = point.begin();
    const auto b = point.begin() + static_cast<std::ptrdiff_t>(factors);
    out.insert(out.end(), a, b);  // A_j
    for (std::size_t i = 0; i < factors; ++i) {
      const std::size_t row = out.size();
      out.insert(out.end(), a, b);  // AB_j^i: A_j with column i from B_j
      out[row + i] = b[static_cast<std::ptrdiff_t>(i)];
    }
    out.insert(out.end(), b, point.end());  // B_j
  }
  return out;
}

SobolResult sobol_indices(std::span<const double> y, std::size_t factors, std::size_t base_samples,
                          std::size_t bootstrap, double confidence, std::uint64_t seed) {
  check_outputs(y, factors, base_samples, confidence);
  SobolResult result;
  result.factors.resize(factors);
  result.base_samples = base_samples;
  result.bootstrap = bootstrap;
  result.confidence = confidence;
  result.seed = seed;

  std::vector<std::size_t> all(base_samples);
  std::iota(all.begin(), all.end(), std::size_t{0});
  std::vector<double> first(factors), total(factors);
  result.variance = estimate(y, factors, all, first, total);
  if (!(result.variance > 0.0)) {
    throw std::invalid_argument(
        "the output does not vary over the design's A and B rows, so its Sobol indices are "
        "undefined");
  }
  for (std::size_t i = 0; i < factors; ++i) {
    result.factors[i] = SobolIndex{first[i], kNaN, kNaN, total[i], kNaN, kNaN, kNaN, kNaN};
  }
  if (bootstrap > 0) bootstrap_intervals(y, result);
  return result;
}

}  // namespace sim
