// The arithmetic of approximate Bayesian computation by sequential Monte Carlo (ABC-SMC, as in
// Del Moral, Doucet and Jasra 2012, Statistics and Computing 22(5): an adaptive tolerance,
// reweighting, resampling and an MCMC move; with the Gaussian kernel of twice the population's
// covariance of Beaumont, Cornuet, Marin and Robert 2009, Biometrika 96(4)): priors, the
// distance, weighted statistics, the kernel, resampling and the prior density. No I/O and no
// simulation: sim/calibrate/runner runs the model. The method and every choice made here are in
// scenarios/README.md ("Calibrations").
//
// Parameters are handled in an internal coordinate z: the value itself for uniform and normal
// priors, its logarithm for log-uniform ones, so that a log-uniform prior is uniform in z and
// the kernel's steps are relative.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/random.hpp"

namespace sim::abc {

enum class PriorKind { Uniform, LogUniform, Normal };

// "uniform", "log_uniform", "normal".
std::string prior_name(PriorKind kind);

// A prior on [min, max]; a normal prior is truncated to it.
struct Prior {
  PriorKind kind = PriorKind::Uniform;
  double min = 0.0, max = 1.0;
  double mean = 0.0, sd = 1.0;  // normal only

  double to_z(double x) const;
  double from_z(double z) const;
  double z_min() const { return to_z(min); }
  double z_max() const { return to_z(max); }
  bool inside_z(double z) const { return z >= z_min() && z <= z_max(); }
  // log density of z up to a constant; -infinity outside [z_min, z_max].
  double log_density_z(double z) const;
  // The prior's p-quantile, in the parameter's own units.
  double quantile(double p) const;
  // A draw, by the inverse of the distribution function (one uniform draw).
  double sample(RandomStream& stream) const { return quantile(stream.uniform()); }
};

// Weights normalised to sum to 1; std::invalid_argument when they are not positive and finite.
std::vector<double> normalised(const std::vector<double>& weights);

// 1 / sum of squared normalised weights.
double effective_sample_size(const std::vector<double>& weights);

// The weighted q-quantile (0 <= q <= 1) of `values`: the smallest value whose cumulative
// normalised weight reaches q.
double weighted_quantile(const std::vector<double>& values, const std::vector<double>& weights,
                         double q);

// The distance of a particle's model values from the observations: the root mean square of
// (model - observed) / scale over the targets. A target the model did not produce a finite
// value for makes the distance infinite.
double distance(const std::vector<double>& model, const std::vector<double>& observed,
                const std::vector<double>& scale);
// The same over the targets whose `fitted` entry is true only.
double distance(const std::vector<double>& model, const std::vector<double>& observed,
                const std::vector<double>& scale, const std::vector<bool>& fitted);

// A population of particles in z: rows are particles, columns parameters.
struct Population {
  Eigen::MatrixXd z;
  std::vector<double> weights;  // normalised
};

// The Gaussian random-walk kernel of the MCMC move: the population's weighted covariance times
// `scale`, held as its Cholesky factor. The moves use Roberts, Gelman and Gilks (1997)'s
// 2.38^2 / d for d parameters (move_scale).
class Kernel {
 public:
  Kernel(const Population& population, double scale);
  // Log density of moving from `from` to `to`, with the normalising constant (common to every
  // term of a weight, but kept so that values are comparable across generations).
  double log_density(const Eigen::VectorXd& from, const Eigen::VectorXd& to) const;
  // A step from `from`, of standard normal draws from `stream`.
  Eigen::VectorXd perturb(const Eigen::VectorXd& from, RandomStream& stream) const;
  const Eigen::MatrixXd& covariance() const { return covariance_; }

 private:
  Eigen::MatrixXd covariance_, cholesky_;
  double log_normaliser_ = 0.0;
};

// Weighted covariance of a population's columns (divisor 1 - sum w^2, unbiased for reliability
// weights). A parameter that does not vary gets a variance of 1e-12 times its square (or 1e-24)
// so the kernel stays positive definite.
Eigen::MatrixXd weighted_covariance(const Population& population);

// A draw from the priors, in z.
Eigen::VectorXd draw_from_priors(const std::vector<Prior>& priors, RandomStream& stream);

// The random-walk scale that is optimal for a d-dimensional Gaussian target: 2.38^2 / d
// (Roberts, Gelman and Gilks 1997, Annals of Applied Probability 7(1)).
double move_scale(std::size_t dims);

// Log prior density of z (up to a constant); -infinity outside any prior's support.
double log_prior(const std::vector<Prior>& priors, const Eigen::VectorXd& z);

// Whether z lies inside every prior's support.
bool inside(const std::vector<Prior>& priors, const Eigen::VectorXd& z);

// Systematic resampling (Kitagawa 1996): as many indices as weights, index i taken about
// n W_i times, from one uniform u in (0, 1); in increasing order.
std::vector<std::size_t> systematic_resample(const std::vector<double>& weights, double u);

}  // namespace sim::abc
