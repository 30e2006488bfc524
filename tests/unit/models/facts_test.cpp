// The stylized facts a calibration can target: named in the order their values come, and a
// sweep run's facts are those `clustersim stats` computes from the same replicate's snapshots.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/stats.hpp"
#include "sim/run/ensemble.hpp"
#include "sim/sweep/runner.hpp"

namespace {

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml";

const models::ClusterModel& model() {
  static const models::ClusterModel m;
  return m;
}

sim::Scenario small(bool snapshots) {
  return sim::Scenario::load(
      kSmall, model().schema(),
      {{"run.replicates=3", "run.end=2017Q4",
        std::string("output.firm_snapshots=") + (snapshots ? "true" : "false")}});
}

// The rows of an ensemble's snapshot that belong to one replicate.
sim::Snapshot rows_of(const sim::Snapshot& s, double replicate) {
  sim::Snapshot out = s;
  for (auto& column : out.values) column.clear();
  for (std::size_t row = 0; row < s.rows(); ++row) {
    if (s.values[0][row] != replicate) continue;
    for (std::size_t c = 0; c < s.columns.size(); ++c) out.values[c].push_back(s.values[c][row]);
  }
  return out;
}

// Bit for bit, NaN equal to NaN.
bool same(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(Facts, ValuesComeInTheOrderOfTheirNames) {
  const auto result = sim::run_ensemble(model(), small(true));
  std::vector<std::string> dates;
  for (const auto& s : result.snapshots) dates.push_back(s.label);
  const models::StatsReport r = models::firm_stats(result.snapshots, dates);
  const std::vector<double> v = models::fact_values_of(r);
  const auto& infos = models::fact_infos();
  ASSERT_EQ(v.size(), infos.size());
  std::set<std::string> names;
  for (const auto& i : infos) names.insert(i.name);
  EXPECT_EQ(names.size(), infos.size()) << "a fact's name is used twice";
  EXPECT_EQ(infos[0].name, "size_tail_exponent");
  EXPECT_TRUE(same(v[0], r.tail_exponent));
  EXPECT_TRUE(same(v[1], r.growth.sd));
  EXPECT_TRUE(same(v[2], r.growth.kurtosis));
  EXPECT_TRUE(same(v[3], r.productivity_90_10));
  EXPECT_TRUE(same(v[4], r.productivity_persistence));
  ASSERT_EQ(r.bunching.size(), infos.size() - 5);
  for (std::size_t t = 0; t < r.bunching.size(); ++t) {
    EXPECT_EQ(infos[5 + t].name.rfind("rd_bunching_", 0), 0u) << infos[5 + t].name;
    EXPECT_TRUE(same(v[5 + t], r.bunching[t]));
  }
  // Four year-ends of a few hundred firms: every fact is defined.
  for (std::size_t k = 0; k < v.size(); ++k) EXPECT_TRUE(std::isfinite(v[k])) << infos[k].name;
}

TEST(Facts, ASweepRunsFactsAreThoseOfItsReplicatesSnapshots) {
  const auto ensemble = sim::run_ensemble(model(), small(true));
  ASSERT_EQ(ensemble.snapshots.size(), 4u);  // 2014Q4 to 2017Q4
  // The sweep's run does not need the scenario's snapshot setting to take its own.
  const sim::Scenario plain = small(false);
  for (std::size_t replicate = 0; replicate < 3; ++replicate) {
    std::vector<sim::Snapshot> own;
    for (const auto& s : ensemble.snapshots) own.push_back(rows_of(s, double(replicate)));
    const std::vector<double> expected = model().fact_values(own);
    const sim::RunResult run = sim::simulate_run(model(), plain, replicate, {0}, true, nullptr);
    ASSERT_EQ(run.facts.size(), expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
      EXPECT_TRUE(same(run.facts[k], expected[k]))
          << "replicate " << replicate << ", " << model().facts()[k].name << ": " << run.facts[k]
          << " against " << expected[k];
    }
  }
  // Without facts asked for, none are computed.
  EXPECT_TRUE(sim::simulate_run(model(), plain, 0, {0}, false, nullptr).facts.empty());
}

}  // namespace
