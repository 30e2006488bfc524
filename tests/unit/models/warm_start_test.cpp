// The warm start (world.warm_up_quarters): quarters of the model's own dynamics before the
// first, then each cluster back at its data. It holds the data's firms and output, removes the
// first year's shake-out, and is as deterministic as the run.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "sim/run/ensemble.hpp"

namespace {

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml";
// The data of small.yaml's clusters (tests/data/initial-state.csv): firms and yearly output.
constexpr std::array<double, 3> kFirms = {120, 80, 40};
constexpr std::array<double, 3> kOutput = {2e11, 6e10, 2e10};

const models::ClusterModel& model() {
  static const models::ClusterModel m;
  return m;
}

sim::Scenario small(int warm_up, const std::string& end = "2016Q4", int replicates = 8) {
  return sim::Scenario::load(kSmall, model().schema(),
                             {{"world.warm_up_quarters=" + std::to_string(warm_up),
                               "run.end=" + end, "run.replicates=" + std::to_string(replicates)}});
}

double metric(const sim::EnsembleResult& r, std::size_t m, std::size_t rep, std::size_t t,
              std::size_t c) {
  return r.metrics.at(m, rep, t, c);
}

TEST(WarmStart, StartsWithTheDataFirmsAndOutput) {
  const auto result = sim::run_ensemble(model(), small(12, "2014Q1"));
  for (std::size_t r = 0; r < result.metrics.replicates(); ++r) {
    for (std::size_t c = 0; c < kFirms.size(); ++c) {
      SCOPED_TRACE("replicate " + std::to_string(r) + " cluster " + std::to_string(c));
      // Firms at the start of the first quarter: at its end, less its entrants, plus its exits.
      const double firms = metric(result, models::kFirmsBackbone, r, 0, c) +
                           metric(result, models::kFirmsSme, r, 0, c) +
                           metric(result, models::kFirmsStartup, r, 0, c) -
                           metric(result, models::kFirmEntries, r, 0, c) +
                           metric(result, models::kFirmExits, r, 0, c);
      EXPECT_EQ(firms, kFirms[c]);
      // Output of the first quarter, annualised: the data's, moved only by one quarter's demand
      // growth and shock (sd 3%), not by three years of warm-up growth.
      EXPECT_NEAR(metric(result, models::kOutputValue, r, 0, c) / kOutput[c], 1.0, 0.12);
    }
  }
}

// Exits over the first year, per firm at its start, averaged over replicates and clusters.
double first_year_exit_share(const sim::EnsembleResult& result) {
  double exits = 0, start = 0;
  for (std::size_t r = 0; r < result.metrics.replicates(); ++r) {
    for (std::size_t c = 0; c < kFirms.size(); ++c) {
      start += kFirms[c];
      for (std::size_t t = 0; t < 4; ++t) exits += metric(result, models::kFirmExits, r, t, c);
    }
  }
  return exits / start;
}

TEST(WarmStart, TheFirstYearHasNoShakeOut) {
  const double cold = first_year_exit_share(sim::run_ensemble(model(), small(0, "2014Q4", 16)));
  const double warm = first_year_exit_share(sim::run_ensemble(model(), small(12, "2014Q4", 16)));
  // The drawn start loses its weak firms in the first year; the warm start has done that before.
  EXPECT_GT(cold, 0.1);
  EXPECT_LT(warm, 0.5 * cold) << "cold " << cold << ", warm " << warm;
}

bool bit_identical(const sim::MetricsArray& a, const sim::MetricsArray& b) {
  const std::size_t n = a.metrics() * a.replicates() * a.steps() * a.clusters();
  return n == b.metrics() * b.replicates() * b.steps() * b.clusters() &&
         std::memcmp(a.metric(0), b.metric(0), n * sizeof(double)) == 0;
}

TEST(WarmStart, BitIdenticalForOneAndTwoThreads) {
  const auto sc = small(12, "2015Q4", 4);
  const auto run = [&](std::size_t threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    return sim::run_ensemble(model(), sc);
  };
  EXPECT_TRUE(bit_identical(run(1).metrics, run(2).metrics));
}

}  // namespace
