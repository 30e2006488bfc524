// Imitation (models/README.md, "Innovation and imitation", "IP protection"): the rules by hand,
// and in a small world of one quarter, 2014Q4, where innovation and the knowledge new hires
// bring are switched off, so that a firm's log-productivity can only change by imitation. Run
// once with imitation and once without (imitation_rate 0, the same random draws), every firm
// that ends more productive is an imitator, and its gain shows which share of which gap it
// closed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "sim/run/ensemble.hpp"

namespace {

// --- the rules by hand ---------------------------------------------------------------------

models::FirmParams imitation_params() {
  models::FirmParams p{};
  p.imitation_gap_share = 0.1;
  p.ip_imitation_block = 0.5;
  return p;
}

TEST(ImitationRules, ClosesTheGapShareOfTheGap) {
  const auto p = imitation_params();
  // From 1.0 toward 2.0: 1.0 + 0.1 * 1.0 = 1.1; from -0.5 toward 0.3: -0.5 + 0.1 * 0.8 = -0.42.
  EXPECT_DOUBLE_EQ(models::imitated_log_productivity(1.0, 2.0, p), 1.1);
  EXPECT_DOUBLE_EQ(models::imitated_log_productivity(-0.5, 0.3, p), -0.42);
  // Copying oneself changes nothing.
  EXPECT_DOUBLE_EQ(models::imitated_log_productivity(0.7, 0.7, p), 0.7);
}

TEST(ImitationRules, IpProtectionBlocksCopyingOfPatentHolders) {
  const auto p = imitation_params();
  // 1 - 0.5 * IP for a target with valid patents: 1, 0.85 at IP 0.3, 0.5 at full protection.
  EXPECT_DOUBLE_EQ(models::imitation_protection(3.0, 0.0, p), 1.0);
  EXPECT_DOUBLE_EQ(models::imitation_protection(3.0, 0.3, p), 0.85);
  EXPECT_DOUBLE_EQ(models::imitation_protection(3.0, 1.0, p), 0.5);
  // Protection never helps the imitator: the factor falls as IP rises and stays at most 1.
  for (double ip = 0.0; ip < 1.0; ip += 0.125) {
    EXPECT_LT(models::imitation_protection(1.0, ip + 0.125, p),
              models::imitation_protection(1.0, ip, p))
        << "IP " << ip;
    EXPECT_LE(models::imitation_protection(1.0, ip, p), 1.0);
  }
  // A target without patents is not protected.
  EXPECT_DOUBLE_EQ(models::imitation_protection(0.0, 1.0, p), 1.0);
}

// --- one quarter of a small world ----------------------------------------------------------

const models::ClusterModel& model() {
  static const models::ClusterModel m;
  return m;
}

using Overrides = std::vector<std::string>;

// The small world in 2014Q4 only, with a firm snapshot at its end; no innovation, no knowledge
// from hires, no open innovation; IP protection lowers imitation but does not move R&D.
sim::Scenario one_quarter(const Overrides& extra) {
  Overrides o = {"run.start=2014Q4",
                 "run.end=2014Q4",
                 "run.replicates=4",
                 "output.firm_snapshots=true",
                 "policy.supported_clusters=1",
                 "firm.innovation_rate=0",
                 "talent.knowledge_transfer=0",
                 "policy.open_innovation.intensity=0",
                 "firm.ip_rd_response=0"};
  o.insert(o.end(), extra.begin(), extra.end());
  return sim::Scenario::load(std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml", model().schema(),
                             {o});
}

// A firm at the end of the quarter.
struct FirmEnd {
  double cluster = 0, age = 0, log_productivity = 0;
};
// Per replicate, firms by id.
using World = std::vector<std::map<double, FirmEnd>>;

World run(const sim::Scenario& sc) {
  const auto result = sim::run_ensemble(model(), sc);
  EXPECT_EQ(result.snapshots.size(), 1u);
  const sim::Snapshot& s = result.snapshots.at(0);
  const auto column = [&](const std::string& name) -> const std::vector<double>& {
    for (std::size_t k = 0; k < s.columns.size(); ++k)
      if (s.columns[k] == name) return s.values[k];
    throw std::runtime_error("no snapshot column " + name);
  };
  const auto& replicate = column("replicate");
  const auto& id = column("id");
  const auto& cluster = column("cluster");
  const auto& age = column("age");
  const auto& a = column("log_productivity");
  World world(static_cast<std::size_t>(sc.number("run.replicates")));
  for (std::size_t row = 0; row < s.rows(); ++row) {
    world.at(static_cast<std::size_t>(replicate[row]))[id[row]] = {cluster[row], age[row], a[row]};
  }
  return world;
}

// Incumbents (not this quarter's entrants) present in both worlds, as (with, without).
struct Pair {
  double id;
  FirmEnd with, without;
};
std::vector<std::vector<Pair>> incumbents(const World& with, const World& without) {
  std::vector<std::vector<Pair>> out(with.size());
  for (std::size_t r = 0; r < with.size(); ++r) {
    for (const auto& [id, w] : with[r]) {
      const auto it = without[r].find(id);
      if (w.age > 0 && it != without[r].end()) out[r].push_back({id, w, it->second});
    }
  }
  return out;
}

// Firms that ended more productive than without imitation.
std::size_t count_imitators(const World& with, const World& without) {
  std::size_t n = 0;
  for (const auto& pairs : incumbents(with, without))
    for (const Pair& p : pairs) n += p.with.log_productivity > p.without.log_productivity ? 1 : 0;
  return n;
}

class ImitationWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    without_ = new World(run(one_quarter({"firm.imitation_rate=0"})));
  }
  static void TearDownTestSuite() {
    delete without_;
    without_ = nullptr;
  }
  static World* without_;
};
World* ImitationWorld::without_ = nullptr;

TEST_F(ImitationWorld, FirmsImitateAndNoneLosesByIt) {
  const World with = run(one_quarter({}));
  std::size_t firms = 0, imitators = 0;
  for (const auto& pairs : incumbents(with, *without_)) {
    for (const Pair& p : pairs) {
      ++firms;
      // Only improvements are adopted.
      EXPECT_GE(p.with.log_productivity, p.without.log_productivity) << "firm " << p.id;
      imitators += p.with.log_productivity > p.without.log_productivity ? 1 : 0;
    }
  }
  ASSERT_GT(firms, 100u);
  // Success 1 - exp(-zeta (1 - xi) E) is some 10-30% a quarter at the small world's R&D
  // intensities: imitators are neither absent nor everyone.
  EXPECT_GT(imitators, firms / 20) << imitators << " of " << firms;
  EXPECT_LT(imitators, firms / 2) << imitators << " of " << firms;
}

TEST_F(ImitationWorld, AnImitatorClosesTheGapShareOfItsGapToABetterFirmOfItsCluster) {
  const sim::Scenario sc = one_quarter({});
  const double mu = sc.number("firm.imitation_gap_share");
  const World with = run(sc);
  const auto pairs = incumbents(with, *without_);
  std::size_t imitators = 0, explained = 0;
  for (std::size_t r = 0; r < with.size(); ++r) {
    for (const Pair& p : pairs[r]) {
      const double a = p.without.log_productivity;  // where it started: nothing else moved it
      if (p.with.log_productivity == a) continue;
      ++imitators;
      // Its target: an incumbent of the same cluster, more productive at the start (without
      // imitation nobody moved), toward which it went exactly mu of the way.
      for (const auto& [id, target] : (*without_)[r]) {
        if (target.cluster != p.with.cluster || target.age == 0 || target.log_productivity <= a)
          continue;
        if (std::abs(a + mu * (target.log_productivity - a) - p.with.log_productivity) <= 1e-12) {
          ++explained;
          break;
        }
      }
    }
  }
  ASSERT_GT(imitators, 20u);
  // A target that left the world at the end of the quarter cannot be found: a few per cent.
  EXPECT_GE(explained, imitators * 9 / 10) << explained << " of " << imitators;
}

TEST_F(ImitationWorld, IpProtectionLowersImitation) {
  // At full protection and a full block (beta_IP = 1), patent holders cannot be copied at all;
  // the same draws decide, so every imitator at a higher IP also imitates at a lower one.
  const auto imitators_at = [&](const char* ip) {
    return count_imitators(
        run(one_quarter({"firm.ip_imitation_block=1", std::string("policy.ip_protection=") + ip})),
        *without_);
  };
  const std::size_t none = imitators_at("0"), half = imitators_at("0.5"), full = imitators_at("1");
  EXPECT_GT(none, 0u);
  EXPECT_LE(half, none);
  EXPECT_LE(full, half);
  EXPECT_LT(full, none) << "no imitator was blocked: do the targets hold no patents?";
}

}  // namespace
