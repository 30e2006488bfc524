// The arithmetic of ABC-SMC: priors and their quantiles, weighted statistics, the distance, the
// kernel's density, proposals inside the priors and the importance weights, each against a
// value worked out by hand or a property the method relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "sim/calibrate/abc.hpp"

namespace {

using sim::abc::Prior;
using sim::abc::PriorKind;

Prior uniform(double lo, double hi) {
  return Prior{PriorKind::Uniform, lo, hi, 0, 1};
}
Prior log_uniform(double lo, double hi) {
  return Prior{PriorKind::LogUniform, lo, hi, 0, 1};
}
Prior normal(double mean, double sd, double lo, double hi) {
  return Prior{PriorKind::Normal, lo, hi, mean, sd};
}

TEST(Abc, PriorQuantiles) {
  EXPECT_DOUBLE_EQ(uniform(1, 3).quantile(0.25), 1.5);
  // Log-uniform on [0.01, 1]: the median is the geometric mean, 0.1.
  EXPECT_NEAR(log_uniform(0.01, 1).quantile(0.5), 0.1, 1e-12);
  // A normal truncated symmetrically keeps its mean as median; its 97.5% quantile untruncated
  // is mean + 1.96 sd.
  EXPECT_NEAR(normal(5, 2, 0, 10).quantile(0.5), 5, 1e-9);
  EXPECT_NEAR(normal(0, 1, -100, 100).quantile(0.975), 1.959964, 1e-6);
  // Truncated at the mean, the median is the upper half's: mean + 0.6745 sd.
  EXPECT_NEAR(normal(0, 1, 0, 100).quantile(0.5), 0.674490, 1e-6);
  for (const double p : {0.0, 1e-12, 0.5, 1.0 - 1e-12, 1.0}) {
    const double x = normal(0, 1, -0.5, 2).quantile(p);
    EXPECT_GE(x, -0.5);
    EXPECT_LE(x, 2.0);
  }
}

TEST(Abc, LogUniformIsUniformInZ) {
  const Prior p = log_uniform(0.1, 10);
  EXPECT_DOUBLE_EQ(p.to_z(1.0), 0.0);
  EXPECT_EQ(p.log_density_z(p.to_z(0.2)), p.log_density_z(p.to_z(9.0)));
  EXPECT_EQ(p.log_density_z(p.to_z(20.0)), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(p.from_z(p.z_max()), 10.0);  // the ends stay exact
  EXPECT_EQ(p.from_z(p.z_min()), 0.1);
}

TEST(Abc, NormalDensityInsideItsTruncation) {
  const Prior p = normal(1, 2, 0, 4);
  EXPECT_DOUBLE_EQ(p.log_density_z(1.0) - p.log_density_z(3.0), 0.5);
  EXPECT_EQ(p.log_density_z(-0.1), -std::numeric_limits<double>::infinity());
}

TEST(Abc, WeightedQuantileAndEss) {
  const std::vector<double> values = {3, 1, 2, 4};
  EXPECT_EQ(sim::abc::weighted_quantile(values, {1, 1, 1, 1}, 0.5), 2);
  // Weight on 4 alone: every quantile above its share's start is 4.
  EXPECT_EQ(sim::abc::weighted_quantile(values, {0, 0, 0, 1}, 0.1), 4);
  EXPECT_EQ(sim::abc::weighted_quantile(values, {1, 1, 0, 2}, 0.5), 3);
  EXPECT_DOUBLE_EQ(sim::abc::effective_sample_size({1, 1, 1, 1}), 4.0);
  EXPECT_DOUBLE_EQ(sim::abc::effective_sample_size({1, 0, 0, 0}), 1.0);
  EXPECT_THROW(sim::abc::normalised({0, 0}), std::invalid_argument);
  EXPECT_THROW(sim::abc::normalised({1, NAN}), std::invalid_argument);
}

TEST(Abc, DistanceIsTheRootMeanSquareInUnitsOfScale) {
  EXPECT_DOUBLE_EQ(sim::abc::distance({3, 10}, {1, 10}, {2, 5}), std::sqrt(0.5));
  EXPECT_DOUBLE_EQ(sim::abc::distance({1, 20}, {1, 10}, {2, 5}), std::sqrt(2.0));
  EXPECT_EQ(sim::abc::distance({NAN, 10}, {1, 10}, {2, 5}),
            std::numeric_limits<double>::infinity());
}

sim::abc::Population population(std::vector<std::vector<double>> rows,
                                std::vector<double> weights) {
  sim::abc::Population p{Eigen::MatrixXd(static_cast<Eigen::Index>(rows.size()),
                                         static_cast<Eigen::Index>(rows[0].size())),
                         sim::abc::normalised(weights)};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t d = 0; d < rows[i].size(); ++d) {
      p.z(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) = rows[i][d];
    }
  }
  return p;
}

TEST(Abc, KernelIsTheWeightedCovarianceScaled) {
  // Equal weights on -1 and 1: mean 0, unbiased variance 2 (divisor 1 - 1/2); scaled by 2: 4.
  const auto pop = population({{-1.0}, {1.0}}, {1, 1});
  const sim::abc::Kernel k(pop, 2.0);
  EXPECT_DOUBLE_EQ(sim::abc::move_scale(4), 2.38 * 2.38 / 4);
  EXPECT_DOUBLE_EQ(k.covariance()(0, 0), 4.0);
  // N(0, 4) at 2: -log(2 sqrt(2 pi)) - 1/2.
  Eigen::VectorXd from(1), to(1);
  from << 0.0;
  to << 2.0;
  EXPECT_NEAR(k.log_density(from, to), -std::log(2.0 * std::sqrt(2.0 * M_PI)) - 0.5, 1e-12);
}

TEST(Abc, MovesAreDeterministicAndInsideTellsTheSupport) {
  const std::vector<Prior> priors = {uniform(0, 1), log_uniform(0.1, 10)};
  const auto pop = population({{0.05, 0.0}, {0.95, 2.0}, {0.5, -2.0}}, {1, 2, 1});
  const sim::abc::Kernel k(pop, 2.0);
  int outside = 0;
  for (std::uint64_t i = 0; i < 500; ++i) {
    sim::RandomStream a(3, 2, 1, 0, i), b(3, 2, 1, 0, i);
    const Eigen::VectorXd from = pop.z.row(static_cast<Eigen::Index>(i % 3)).transpose();
    const Eigen::VectorXd z = k.perturb(from, a);
    EXPECT_EQ(z, k.perturb(from, b));
    const bool in = priors[0].inside_z(z(0)) && priors[1].inside_z(z(1));
    EXPECT_EQ(sim::abc::inside(priors, z), in);
    outside += in ? 0 : 1;
  }
  EXPECT_GT(outside, 0);  // a kernel this wide leaves the unit interval now and then
}

TEST(Abc, LogPriorSumsTheParametersAndIsMinusInfinityOutside) {
  const std::vector<Prior> priors = {normal(0, 1, -5, 5), uniform(0, 1)};
  Eigen::VectorXd z(2);
  z << 1.0, 0.5;
  EXPECT_DOUBLE_EQ(sim::abc::log_prior(priors, z), -0.5);
  z << 1.0, 1.5;
  EXPECT_EQ(sim::abc::log_prior(priors, z), -std::numeric_limits<double>::infinity());
}

TEST(Abc, SystematicResamplingTakesEachIndexAboutNTimesItsWeight) {
  // Weights 0.5, 0.25, 0, 0.25 over 4 draws at u = 0.5: points 0.125, 0.375, 0.625, 0.875.
  EXPECT_EQ(sim::abc::systematic_resample({2, 1, 0, 1}, 0.5),
            (std::vector<std::size_t>{0, 0, 1, 3}));
  const auto many = sim::abc::systematic_resample(std::vector<double>(1000, 1.0), 0.3);
  for (std::size_t i = 0; i < many.size(); ++i) EXPECT_EQ(many[i], i);
  // A weight of 0 is never taken, whatever u.
  for (const double u : {1e-9, 0.5, 1 - 1e-9}) {
    for (const std::size_t i : sim::abc::systematic_resample({0, 3, 0, 1, 0}, u)) {
      EXPECT_TRUE(i == 1 || i == 3);
    }
  }
}

}  // namespace
