// Counter-based random streams (sim/random.hpp): purity of the streams and the moments of their
// distributions.
//
// Tolerances of the moment tests come from the sample size N, not from trial and error: a
// sample mean has standard error sd / sqrt(N) and a sample variance has standard error
// sqrt((mu4 - sigma^4) / N), where mu4 is the fourth central moment. Each check allows five
// standard errors (|estimate - truth| < 5 se), which a correct sampler fails with probability
// below 1e-6; the streams are deterministic, so a test that passes once always passes.
#include <gtest/gtest.h>
#include <algorithm>
#include <array>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/random.hpp"

namespace {

constexpr std::size_t kN = 200'000;

struct Moments {
  double mean = 0.0;
  double variance = 0.0;  // unbiased sample variance
};

template <typename Draw>
Moments moments(Draw draw, std::size_t n) {
  // Welford's update keeps the variance accurate for large means (Poisson at 1e4).
  double mean = 0.0, m2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = draw();
    const double delta = x - mean;
    mean += delta / static_cast<double>(i + 1);
    m2 += delta * (x - mean);
  }
  return {mean, m2 / static_cast<double>(n - 1)};
}

std::vector<std::uint64_t> raw_draws(sim::RandomStream s, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  for (auto& x : out) x = s();
  return out;
}

// --- purity --------------------------------------------------------------------------------

TEST(RandomStream, SameArgumentsGiveTheSameSequence) {
  // 13 draws span four Philox blocks of 4 words, so block refills are covered.
  EXPECT_EQ(raw_draws(sim::RandomStream(7, 1, 2, 3, 4), 13),
            raw_draws(sim::RandomStream(7, 1, 2, 3, 4), 13));
  sim::RandomStream a(7, 1, 2, 3, 4), b(7, 1, 2, 3, 4);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(a.uniform(), b.uniform());
    ASSERT_EQ(a.normal(), b.normal());
    ASSERT_EQ(a.poisson(3.5), b.poisson(3.5));
  }
}

TEST(RandomStream, EachArgumentChangesTheSequence) {
  const auto base = raw_draws(sim::RandomStream(7, 1, 2, 3, 4), 8);
  EXPECT_NE(raw_draws(sim::RandomStream(8, 1, 2, 3, 4), 8), base);  // seed
  EXPECT_NE(raw_draws(sim::RandomStream(7, 2, 2, 3, 4), 8), base);  // replicate
  EXPECT_NE(raw_draws(sim::RandomStream(7, 1, 3, 3, 4), 8), base);  // step
  EXPECT_NE(raw_draws(sim::RandomStream(7, 1, 2, 4, 4), 8), base);  // phase
  EXPECT_NE(raw_draws(sim::RandomStream(7, 1, 2, 3, 5), 8), base);  // agent id
  // Cluster streams never coincide with an agent's stream of the same index.
  EXPECT_NE(raw_draws(sim::RandomStream(7, 1, 2, 3, sim::kClusterStreamBase + 4), 8), base);
}

TEST(RandomStream, ArgumentsAreNotInterchangeable) {
  // The arguments occupy different key/counter words: swapping two values must not give the
  // same stream.
  const auto base = raw_draws(sim::RandomStream(1, 2, 3, 4, 5), 8);
  EXPECT_NE(raw_draws(sim::RandomStream(2, 1, 3, 4, 5), 8), base);
  EXPECT_NE(raw_draws(sim::RandomStream(1, 2, 4, 3, 5), 8), base);
  EXPECT_NE(raw_draws(sim::RandomStream(1, 2, 3, 5, 4), 8), base);
}

TEST(RandomStream, DrawsWithinAStreamDiffer) {
  const auto draws = raw_draws(sim::RandomStream(1, 0, 0, 0, 0), 64);
  for (std::size_t i = 0; i < draws.size(); ++i) {
    for (std::size_t j = i + 1; j < draws.size(); ++j) ASSERT_NE(draws[i], draws[j]);
  }
}

// --- uniform -------------------------------------------------------------------------------

TEST(RandomUniform, IsTheMidpointOfTheNext32BitCell) {
  // Eight 32-bit draws per Philox block, low half of each word first; a uniform is (x + 1/2)
  // / 2^32 of one draw, so the extremes are 2^-33 and 1 - 2^-33.
  sim::RandomStream raw(19, 2, 3, 4, 5);
  sim::RandomStream u(19, 2, 3, 4, 5);
  for (int i = 0; i < 20; ++i) {
    const double x = static_cast<double>(raw());
    ASSERT_EQ(u.uniform(), (x + 0.5) / 4294967296.0) << "draw " << i;
  }
  using Philox = sim::RandomStream::Philox;
  const Philox::ctr_type first_block = Philox{}({{0, 5, 4, 3}}, {{19, 2}});
  sim::RandomStream again(19, 2, 3, 4, 5);
  for (int i = 0; i < 8; ++i) {
    const std::uint64_t word = first_block[static_cast<std::size_t>(i / 2)];
    ASSERT_EQ(again(), static_cast<std::uint32_t>(i % 2 == 0 ? word : word >> 32)) << i;
  }
}

TEST(RandomUniform, StrictlyInsideTheUnitInterval) {
  sim::RandomStream s(11, 0, 0, 0, 0);
  for (std::size_t i = 0; i < kN; ++i) {
    const double u = s.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(RandomUniform, CoversBothHalvesOfTheInterval) {
  // P(u > 0.5) = 0.5; the count of N draws above 0.5 has sd sqrt(N * 0.25) = 0.5 sqrt(N).
  sim::RandomStream s(12, 0, 0, 0, 0);
  double above = 0.0;
  for (std::size_t i = 0; i < kN; ++i) above += s.uniform() > 0.5 ? 1.0 : 0.0;
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(above - 0.5 * n), 5.0 * 0.5 * std::sqrt(n));
}

TEST(RandomUniform, MeanAndVariance) {
  // U(0,1): mean 1/2, variance 1/12, mu4 = 1/80, so se(var) = sqrt((1/80 - 1/144) / N)
  // = sqrt(1 / (180 N)).
  sim::RandomStream s(13, 0, 0, 0, 0);
  const auto m = moments([&] { return s.uniform(); }, kN);
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(m.mean - 0.5), 5.0 * std::sqrt(1.0 / 12.0) / std::sqrt(n));
  EXPECT_LT(std::abs(m.variance - 1.0 / 12.0), 5.0 * std::sqrt(1.0 / (180.0 * n)));
}

TEST(RandomUniform, RangeOverload) {
  // lo + (hi - lo) u: U(2, 6) has mean 4 and variance 16/12 = 4/3 (sd 2/sqrt(3)).
  sim::RandomStream s(14, 0, 0, 0, 0);
  const auto m = moments([&] { return s.uniform(2.0, 6.0); }, kN);
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(m.mean - 4.0), 5.0 * (2.0 / std::sqrt(3.0)) / std::sqrt(n));
}

TEST(RandomUniform, BernoulliFrequency) {
  // Bernoulli(0.3): the success share has sd sqrt(0.3 * 0.7 / N).
  sim::RandomStream s(15, 0, 0, 0, 0);
  double hits = 0.0;
  for (std::size_t i = 0; i < kN; ++i) hits += s.bernoulli(0.3) ? 1.0 : 0.0;
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(hits / n - 0.3), 5.0 * std::sqrt(0.3 * 0.7 / n));
}

// --- normal --------------------------------------------------------------------------------

TEST(RandomNormal, MeanAndVariance) {
  // N(0,1): mean 0 (se 1/sqrt(N)), variance 1 (mu4 = 3, se sqrt(2/N)).
  sim::RandomStream s(21, 0, 0, 0, 0);
  const auto m = moments([&] { return s.normal(); }, kN);
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(m.mean), 5.0 / std::sqrt(n));
  EXPECT_LT(std::abs(m.variance - 1.0), 5.0 * std::sqrt(2.0 / n));
}

TEST(RandomNormal, LocationAndScale) {
  // N(10, 3^2): mean 10 (se 3/sqrt(N)), variance 9 (se 9 sqrt(2/N)).
  sim::RandomStream s(22, 0, 0, 0, 0);
  const auto m = moments([&] { return s.normal(10.0, 3.0); }, kN);
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(m.mean - 10.0), 5.0 * 3.0 / std::sqrt(n));
  EXPECT_LT(std::abs(m.variance - 9.0), 5.0 * 9.0 * std::sqrt(2.0 / n));
}

TEST(RandomNormal, NormalAboveIsTheSameDrawAsNormalWhereverItPassesTheFloor) {
  sim::RandomStream a(23, 0, 0, 0, 0);
  sim::RandomStream b(23, 0, 0, 0, 0);
  std::size_t passed = 0, below = 0;
  for (std::size_t i = 0; i < 200'000; ++i) {
    const double mean = 0.1 * static_cast<double>(i % 7) - 0.3;
    const double floor = 0.1;
    const double full = b.normal(mean, 0.2);
    const double above = a.normal_above(mean, 0.2, floor);
    if (full > floor) {
      ASSERT_EQ(above, full) << "draw " << i;
      ++passed;
    } else {
      ASSERT_EQ(above, -std::numeric_limits<double>::infinity()) << "draw " << i;
      ++below;
    }
  }
  // Both outcomes occur, and the streams stayed in step.
  EXPECT_GT(passed, 10'000u);
  EXPECT_GT(below, 10'000u);
  EXPECT_EQ(a.uniform(), b.uniform());
}

TEST(RandomNormal, ReachesBothTailsBeyondFourStandardDeviations) {
  // The ziggurat samples its tail exactly; a sampler that clipped it would fail. P(|Z| > 4) =
  // 6.3e-5, so 2 million draws expect about 63 on each side, 127 in all.
  sim::RandomStream s(24, 0, 0, 0, 0);
  std::size_t low = 0, high = 0;
  for (std::size_t i = 0; i < 2'000'000; ++i) {
    const double z = s.normal();
    low += z < -4.0 ? 1 : 0;
    high += z > 4.0 ? 1 : 0;
  }
  EXPECT_GT(low, 30u);
  EXPECT_GT(high, 30u);
  EXPECT_LT(low + high, 250u);
}

// --- Beta(3,3) -----------------------------------------------------------------------------

TEST(RandomBeta33, InsideTheUnitInterval) {
  sim::RandomStream s(31, 0, 0, 0, 0);
  for (std::size_t i = 0; i < 10'000; ++i) {
    const double x = s.beta33();
    ASSERT_GT(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
}

TEST(RandomBeta33, IsTheMedianOfTheNextFiveUniforms) {
  // The sorting-free median must pick exactly the value a sort would, for every order of the
  // five: the stream's results depend on it bit for bit.
  sim::RandomStream s(33, 0, 0, 0, 0);
  sim::RandomStream same(33, 0, 0, 0, 0);
  for (std::size_t i = 0; i < 100'000; ++i) {
    std::array<double, 5> u{};
    for (double& x : u) x = same.uniform();
    std::sort(u.begin(), u.end());
    ASSERT_EQ(s.beta33(), u[2]) << "draw " << i;
  }
}

TEST(RandomBeta33, MeanAndVariance) {
  // Beta(3,3): mean 3/6 = 0.5; variance ab / ((a+b)^2 (a+b+1)) = 9 / (36 * 7) = 1/28.
  // Excess kurtosis of Beta(a,a) = -6 / (2a + 3) = -2/3, so mu4 = (3 - 2/3) sigma^4 and
  // se(var) = sqrt((7/3 - 1) sigma^4 / N) = sqrt(4/3) / 28 / sqrt(N).
  sim::RandomStream s(32, 0, 0, 0, 0);
  const auto m = moments([&] { return s.beta33(); }, kN);
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(m.mean - 0.5), 5.0 * std::sqrt(1.0 / 28.0) / std::sqrt(n));
  EXPECT_LT(std::abs(m.variance - 1.0 / 28.0), 5.0 * std::sqrt(4.0 / 3.0) / 28.0 / std::sqrt(n));
}

// --- Poisson -------------------------------------------------------------------------------

void expect_poisson_moments(double lambda, std::uint64_t seed) {
  // Poisson(lambda): mean = variance = lambda; mu4 = 3 lambda^2 + lambda, so
  // se(mean) = sqrt(lambda / N) and se(var) = sqrt((2 lambda^2 + lambda) / N).
  sim::RandomStream s(seed, 0, 0, 0, 0);
  const auto m = moments([&] { return static_cast<double>(s.poisson(lambda)); }, kN);
  const double n = static_cast<double>(kN);
  EXPECT_LT(std::abs(m.mean - lambda), 5.0 * std::sqrt(lambda / n)) << "lambda " << lambda;
  EXPECT_LT(std::abs(m.variance - lambda), 5.0 * std::sqrt((2.0 * lambda * lambda + lambda) / n))
      << "lambda " << lambda;
}

TEST(RandomPoisson, MomentsAtHalf) {
  expect_poisson_moments(0.5, 41);
}
TEST(RandomPoisson, MomentsAtFour) {
  expect_poisson_moments(4.0, 42);
}
TEST(RandomPoisson, MomentsEitherSideOfTheSamplersSwitchAtTen) {
  // Boost's sampler inverts the CDF below a mean of 10 and uses PTRD from 10 up.
  expect_poisson_moments(9.999, 47);
  expect_poisson_moments(10.0, 48);
}
TEST(RandomPoisson, MomentsAtFifty) {
  expect_poisson_moments(50.0, 43);
}
TEST(RandomPoisson, MomentsAtTenThousand) {
  expect_poisson_moments(1e4, 44);
}

TEST(RandomPoisson, ZeroAndNegativeMeanGiveZero) {
  sim::RandomStream s(45, 0, 0, 0, 0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(s.poisson(0.0), 0);
    ASSERT_EQ(s.poisson(-1.0), 0);
    ASSERT_EQ(s.poisson(std::nan("")), 0);
  }
}

TEST(RandomPoisson, ZeroShareAtHalf) {
  // P(X = 0) = exp(-0.5) = 0.60653; the zero share has sd sqrt(p (1 - p) / N).
  sim::RandomStream s(46, 0, 0, 0, 0);
  double zeros = 0.0;
  for (std::size_t i = 0; i < kN; ++i) zeros += s.poisson(0.5) == 0 ? 1.0 : 0.0;
  const double n = static_cast<double>(kN);
  const double p = std::exp(-0.5);
  EXPECT_LT(std::abs(zeros / n - p), 5.0 * std::sqrt(p * (1.0 - p) / n));
}

}  // namespace
