#include "sim/calibrate/abc.hpp"

#include <fmt/format.h>
#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace sim::abc {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double normal_cdf(double x) {
  return boost::math::cdf(boost::math::normal(), x);
}
double normal_quantile(double p) {
  return boost::math::quantile(boost::math::normal(), p);
}

}  // namespace

std::string prior_name(PriorKind kind) {
  switch (kind) {
    case PriorKind::Uniform:
      return "uniform";
    case PriorKind::LogUniform:
      return "log_uniform";
    case PriorKind::Normal:
      return "normal";
  }
  return "uniform";
}

double Prior::to_z(double x) const {
  return kind == PriorKind::LogUniform ? std::log(x) : x;
}

double Prior::from_z(double z) const {
  if (kind != PriorKind::LogUniform) return z;
  // exp(log(x)) may differ from x in the last bit: keep the ends exact.
  if (z <= z_min()) return min;
  if (z >= z_max()) return max;
  return std::clamp(std::exp(z), min, max);
}

double Prior::log_density_z(double z) const {
  if (!inside_z(z)) return -kInf;
  if (kind != PriorKind::Normal) return 0.0;
  const double u = (z - mean) / sd;
  return -0.5 * u * u;
}

double Prior::quantile(double p) const {
  switch (kind) {
    case PriorKind::Uniform:
      return std::clamp(min + p * (max - min), min, max);
    case PriorKind::LogUniform:
      return std::clamp(std::exp(std::log(min) + p * (std::log(max) - std::log(min))), min, max);
    case PriorKind::Normal: {
      // Inverse of the truncated normal's distribution function.
      const double lo = normal_cdf((min - mean) / sd), hi = normal_cdf((max - mean) / sd);
      const double u = std::clamp(lo + p * (hi - lo), 1e-300, 1.0 - 1e-16);
      return std::clamp(mean + sd * normal_quantile(u), min, max);
    }
  }
  return min;
}

std::vector<double> normalised(const std::vector<double>& weights) {
  double total = 0.0;
  for (const double w : weights) {
    if (!(w >= 0.0) || !std::isfinite(w)) {
      throw std::invalid_argument(fmt::format("a weight is {}, not a finite number >= 0", w));
    }
    total += w;
  }
  if (!(total > 0.0)) throw std::invalid_argument("the weights sum to 0");
  std::vector<double> out(weights);
  for (double& w : out) w /= total;
  return out;
}

double effective_sample_size(const std::vector<double>& weights) {
  double squares = 0.0;
  for (const double w : normalised(weights)) squares += w * w;
  return 1.0 / squares;
}

double weighted_quantile(const std::vector<double>& values, const std::vector<double>& weights,
                         double q) {
  if (values.size() != weights.size() || values.empty()) {
    throw std::invalid_argument("weighted_quantile needs as many weights as values, at least one");
  }
  const std::vector<double> w = normalised(weights);
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Ties broken by index, so the order is the same on every machine.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  double cumulative = 0.0;
  for (const std::size_t i : order) {
    cumulative += w[i];
    if (cumulative >= q * (1.0 - 1e-12)) return values[i];
  }
  return values[order.back()];
}

double distance(const std::vector<double>& model, const std::vector<double>& observed,
                const std::vector<double>& scale) {
  return distance(model, observed, scale, std::vector<bool>(observed.size(), true));
}

double distance(const std::vector<double>& model, const std::vector<double>& observed,
                const std::vector<double>& scale, const std::vector<bool>& fitted) {
  double sum = 0.0, count = 0.0;
  for (std::size_t j = 0; j < observed.size(); ++j) {
    if (!fitted[j]) continue;
    if (!std::isfinite(model[j])) return kInf;
    const double u = (model[j] - observed[j]) / scale[j];
    sum += u * u;
    count += 1.0;
  }
  return std::sqrt(sum / count);
}

Eigen::MatrixXd weighted_covariance(const Population& population) {
  const Eigen::MatrixXd& z = population.z;
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(
      population.weights.data(), static_cast<Eigen::Index>(population.weights.size()));
  const Eigen::RowVectorXd mean = w.transpose() * z;
  const Eigen::MatrixXd centred = z.rowwise() - mean;
  const double denominator = 1.0 - w.squaredNorm();
  Eigen::MatrixXd cov = centred.transpose() * w.asDiagonal() * centred;
  cov /= denominator > 0 ? denominator : 1.0;
  for (Eigen::Index d = 0; d < cov.rows(); ++d) {
    const double floor = std::max(1e-12 * mean(d) * mean(d), 1e-24);
    cov(d, d) = std::max(cov(d, d), floor);
  }
  return cov;
}

double move_scale(std::size_t dims) {
  return 2.38 * 2.38 / static_cast<double>(dims);
}

Kernel::Kernel(const Population& population, double scale)
    : covariance_(scale * weighted_covariance(population)) {
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance_);
  if (llt.info() != Eigen::Success) {
    // Perfectly correlated parameters: keep the variances, drop the correlations.
    covariance_ = Eigen::MatrixXd(covariance_.diagonal().asDiagonal());
  }
  cholesky_ = Eigen::LLT<Eigen::MatrixXd>(covariance_).matrixL();
  const auto dims = static_cast<double>(covariance_.rows());
  log_normaliser_ =
      -0.5 * dims * std::log(2.0 * std::numbers::pi) - cholesky_.diagonal().array().log().sum();
}

double Kernel::log_density(const Eigen::VectorXd& from, const Eigen::VectorXd& to) const {
  const Eigen::VectorXd u = cholesky_.triangularView<Eigen::Lower>().solve(to - from);
  return log_normaliser_ - 0.5 * u.squaredNorm();
}

Eigen::VectorXd Kernel::perturb(const Eigen::VectorXd& from, RandomStream& stream) const {
  Eigen::VectorXd n(from.size());
  for (Eigen::Index d = 0; d < n.size(); ++d) n(d) = stream.normal();
  return from + cholesky_ * n;
}

Eigen::VectorXd draw_from_priors(const std::vector<Prior>& priors, RandomStream& stream) {
  Eigen::VectorXd z(static_cast<Eigen::Index>(priors.size()));
  for (std::size_t d = 0; d < priors.size(); ++d) {
    z(static_cast<Eigen::Index>(d)) = priors[d].to_z(priors[d].sample(stream));
  }
  return z;
}

bool inside(const std::vector<Prior>& priors, const Eigen::VectorXd& z) {
  for (std::size_t d = 0; d < priors.size(); ++d) {
    if (!priors[d].inside_z(z(static_cast<Eigen::Index>(d)))) return false;
  }
  return true;
}

double log_prior(const std::vector<Prior>& priors, const Eigen::VectorXd& z) {
  double sum = 0.0;
  for (std::size_t d = 0; d < priors.size(); ++d) {
    sum += priors[d].log_density_z(z(static_cast<Eigen::Index>(d)));
  }
  return sum;
}

std::vector<std::size_t> systematic_resample(const std::vector<double>& weights, double u) {
  const std::vector<double> w = normalised(weights);
  const std::size_t n = w.size();
  std::vector<std::size_t> out;
  out.reserve(n);
  double cumulative = w[0];
  std::size_t i = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double point = (static_cast<double>(k) + u) / static_cast<double>(n);
    while (point > cumulative && i + 1 < n) cumulative += w[++i];
    out.push_back(i);
  }
  return out;
}

}  // namespace sim::abc
