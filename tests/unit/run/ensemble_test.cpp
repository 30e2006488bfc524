// Whole runs of the model: determinism across thread counts and placements, accounting
// identities, and each tax lever moving its outcomes in the documented direction.
#include <gtest/gtest.h>

#include <atomic>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstring>

#include "models/cluster_model.hpp"
#include "sim/run/ensemble.hpp"

namespace {

const std::string kSmall = std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml";

sim::EnsembleResult run_with_threads(const models::ClusterModel& model, const sim::Scenario& sc,
                                     std::size_t threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  return sim::run_ensemble(model, sc);
}

bool bit_identical(const sim::MetricsArray& a, const sim::MetricsArray& b) {
  const std::size_t n = a.metrics() * a.replicates() * a.steps() * a.clusters();
  return n == b.metrics() * b.replicates() * b.steps() * b.clusters() &&
         std::memcmp(a.metric(0), b.metric(0), n * sizeof(double)) == 0;
}

double total(const sim::MetricsArray& m, std::size_t metric) {
  double sum = 0.0;
  for (std::size_t r = 0; r < m.replicates(); ++r)
    for (std::size_t t = 0; t < m.steps(); ++t)
      for (std::size_t c = 0; c < m.clusters(); ++c) sum += m.at(metric, r, t, c);
  return sum;
}

TEST(Ensemble, AStopIsHonouredBetweenPhases) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  const auto prepared = model.prepare(sc);
  std::atomic<bool> cancel{false};
  auto replicate = prepared->start(0, sim::StopFlags{&cancel});
  replicate->step(0);  // not raised: the quarter runs
  cancel = true;
  EXPECT_THROW(replicate->step(1), sim::Cancelled);
}

TEST(Ensemble, AStopIsHonouredWhileTheStartingStateIsDrawn) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  const auto prepared = model.prepare(sc);
  const std::atomic<bool> cancel{true};
  EXPECT_THROW(prepared->start(0, sim::StopFlags{&cancel}), sim::Cancelled);
}

TEST(Ensemble, NoReplicateStartsAfterAStop) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  std::atomic<bool> cancel{true};
  sim::ProgressCounter counter;
  EXPECT_THROW(sim::run_ensemble(model, sc, sim::RunControl{&counter, &cancel}), sim::Cancelled);
  EXPECT_EQ(counter.replicates_started.load(), 0);
  EXPECT_EQ(counter.steps_done.load(), 0);
}

TEST(Ensemble, BitIdenticalForOneAndTwoThreads) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  const auto one = run_with_threads(model, sc, 1);
  const auto two = run_with_threads(model, sc, 2);
  EXPECT_TRUE(bit_identical(one.metrics, two.metrics));
  EXPECT_EQ(one.goals.first_met.size(), two.goals.first_met.size());
}

TEST(Ensemble, LargeClusterIsBitIdenticalAcrossThreadCounts) {
  // Enough firms that a step spans several blocks of sim::kBlockSize, so the parallel loops
  // and block reductions really split the work.
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(
      kSmall, model.schema(),
      {{"world.initial_firms={default: 0, alpha: 5000}", "run.replicates=2", "run.end=2014Q4"}});
  EXPECT_TRUE(bit_identical(run_with_threads(model, sc, 1).metrics,
                            run_with_threads(model, sc, 2).metrics));
}

TEST(Ensemble, PlanWithEveryLeverIsBitIdenticalAcrossThreadCounts) {
  // The plan's world (thousands of firms per cluster) with its levers on and IP protection at
  // full strength, so imitators read their targets' patents while other threads update firms:
  // a read of another firm's state that is written in the same parallel phase shows up here.
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(
      std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml", model.schema(),
      {{"run.replicates=4", "policy.ip_protection=1", "policy.talent_programme.recruits_per_year=4",
        "policy.platforms.investment_per_year=1.3e8", "policy.post_subsidy.rate=0.33"}});
  const auto one = run_with_threads(model, sc, 1);
  for (int attempt = 0; attempt < 4; ++attempt) {
    EXPECT_TRUE(bit_identical(one.metrics, run_with_threads(model, sc, 2).metrics))
        << "attempt " << attempt;
  }
}

TEST(Ensemble, ProbesMeasureWithoutChangingResults) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  std::vector<sim::ReplicateProbe> probes(static_cast<std::size_t>(sc.replicates()));
  const auto probed = sim::run_ensemble(model, sc, sim::RunControl{nullptr, nullptr, &probes});
  EXPECT_TRUE(bit_identical(probed.metrics, sim::run_ensemble(model, sc).metrics));
  for (const auto& p : probes) {
    ASSERT_EQ(p.phases.names.size(), p.phases.seconds.size());
    EXPECT_EQ(p.phases.names.front(), "demand");
    EXPECT_GT(p.firm_steps, 0.0);
    EXPECT_GT(p.researcher_steps, 0.0);
    EXPECT_GE(p.peak_agents, p.peak_firms);
  }
}

TEST(Ensemble, InitialResearchersOverrideSetsTheStartingPersons) {
  // Counted before the first quarter: every researcher of the cluster, employed or seeking.
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(
      kSmall, model.schema(),
      {{"world.initial_researchers={default: 1000}", "run.replicates=1", "run.end=2014Q1"}});
  std::vector<sim::ReplicateProbe> probes(1);
  sim::run_ensemble(model, sc, sim::RunControl{nullptr, nullptr, &probes});
  EXPECT_NEAR(probes[0].researcher_steps, 3000.0, 1e-6);
}

// A model whose replicate 1 turns NaN in its second phase of step 2; its end-of-step check
// cannot tell the phase, its per-phase check can.
class NanModel final : public sim::Model {
 public:
  NanModel() { sim::add_engine_settings(schema_); }
  const sim::Schema& schema() const override { return schema_; }
  const std::vector<sim::MetricInfo>& metrics() const override { return metrics_; }
  std::unique_ptr<sim::PreparedModel> prepare(const sim::Scenario&) const override {
    return std::make_unique<Prepared>();
  }
  sim::GoalResults evaluate_goals(const sim::Scenario&, const sim::MetricsArray&) const override {
    return {};
  }

 private:
  class Replicate final : public sim::Replicate {
   public:
    explicit Replicate(std::uint64_t r) : r_(r) {}
    void step(int step) override {
      check("first");
      if (r_ == 1 && step == 2) value_ = std::nan("");
      check("second");
      if (!std::isfinite(value_)) {
        throw sim::NumericalError(fmt::format("NaN in step {} ({})", step, phase_));
      }
    }
    void record(std::span<double> out) const override { out[0] = value_; }
    void check_every_phase(bool on) override { every_ = on; }

   private:
    void check(const char* phase) {
      if (every_ && !std::isfinite(value_)) {
        throw sim::NumericalError(fmt::format("NaN after phase {}", phase));
      }
      phase_ = "phase not isolated";
    }
    std::uint64_t r_;
    double value_ = 1.0;
    bool every_ = false;
    std::string phase_;
  };
  struct Prepared final : sim::PreparedModel {
    std::unique_ptr<sim::Replicate> start(std::uint64_t r, sim::StopFlags) const override {
      return std::make_unique<Replicate>(r);
    }
  };
  sim::Schema schema_;
  std::vector<sim::MetricInfo> metrics_{{"value", "1", "a value"}};
};

TEST(Ensemble, ANonFiniteStateStopsTheRunAndNamesThePhase) {
  const NanModel model;
  const auto sc = sim::Scenario::from_yaml(
      "run: {start: 2014Q1, end: 2015Q4, replicates: 3, seed: 1}\n"
      "world: {clusters_file: " +
          std::string(CLUSTERSIM_TEST_DATA) + "/clusters.csv}\n",
      "nan.yaml", model.schema());
  try {
    sim::run_ensemble(model, sc);
    FAIL() << "the NaN went unnoticed";
  } catch (const sim::NumericalError& e) {
    // The engine replayed replicate 1 with the check after every phase.
    EXPECT_STREQ(e.what(), "NaN after phase second");
  }
}

TEST(Ensemble, ReplicateAloneEqualsReplicateInEnsemble) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  const auto ensemble = sim::run_ensemble(model, sc);
  const std::size_t r = 2;
  const auto prepared = model.prepare(sc);
  auto alone = prepared->start(r, sim::StopFlags{});
  const std::size_t clusters = sc.clusters().size();
  std::vector<double> row(model.metrics().size() * clusters);
  for (int t = 0; t < sc.calendar().steps(); ++t) {
    alone->step(t);
    alone->record(row);
    for (std::size_t m = 0; m < model.metrics().size(); ++m) {
      for (std::size_t c = 0; c < clusters; ++c) {
        ASSERT_EQ(row[m * clusters + c], ensemble.metrics.at(m, r, static_cast<std::size_t>(t), c))
            << model.metrics()[m].name << " step " << t << " cluster " << c;
      }
    }
  }
}

TEST(Ensemble, SeedChangesResultsAndReplicatesDiffer) {
  const models::ClusterModel model;
  const auto a = sim::run_ensemble(model, sim::Scenario::load(kSmall, model.schema()));
  const auto b =
      sim::run_ensemble(model, sim::Scenario::load(kSmall, model.schema(), {{"run.seed=8"}}));
  EXPECT_FALSE(bit_identical(a.metrics, b.metrics));
  const std::size_t last = a.metrics.steps() - 1;
  EXPECT_NE(a.metrics.at(models::kOutputValue, 0, last, 0),
            a.metrics.at(models::kOutputValue, 1, last, 0));
}

TEST(Ensemble, FirmsAreConservedByEntryAndExit) {
  // firms(t) = firms(t-1) + entries(t) - exits(t), starting from the data file's counts.
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  const auto result = sim::run_ensemble(model, sc);
  const double initial[] = {120, 80, 40};
  const auto& m = result.metrics;
  for (std::size_t r = 0; r < m.replicates(); ++r) {
    for (std::size_t c = 0; c < m.clusters(); ++c) {
      double firms = initial[c];
      for (std::size_t t = 0; t < m.steps(); ++t) {
        firms += m.at(models::kFirmEntries, r, t, c) - m.at(models::kFirmExits, r, t, c);
        const double counted = m.at(models::kFirmsBackbone, r, t, c) +
                               m.at(models::kFirmsSme, r, t, c) +
                               m.at(models::kFirmsStartup, r, t, c);
        ASSERT_EQ(firms, counted) << "replicate " << r << " step " << t << " cluster " << c;
        ASSERT_LE(m.at(models::kHnteCount, r, t, c), counted + m.at(models::kFirmExits, r, t, c));
      }
    }
  }
}

TEST(Ensemble, MetricsStayInTheirDomains) {
  const models::ClusterModel model;
  const auto result = sim::run_ensemble(model, sim::Scenario::load(kSmall, model.schema()));
  const auto& m = result.metrics;
  for (std::size_t k = 0; k < m.metrics(); ++k) {
    for (std::size_t r = 0; r < m.replicates(); ++r)
      for (std::size_t t = 0; t < m.steps(); ++t)
        for (std::size_t c = 0; c < m.clusters(); ++c) {
          const double x = m.at(k, r, t, c);
          ASSERT_TRUE(std::isfinite(x)) << model.metrics()[k].name;
          if (k != models::kMeanLogProductivity) {
            ASSERT_GE(x, 0.0) << model.metrics()[k].name;
          }
        }
  }
  EXPECT_LE(m.at(models::kRdIntensity, 0, 0, 0), 1.0);
}

TEST(Ensemble, StartsAtTheDataFilesOutput) {
  // Step 0 sells the starting real output at a price moved only by one quarter of demand
  // growth and a shock, so output is within a few percent of the data (2e11 for alpha).
  const models::ClusterModel model;
  const auto result = sim::run_ensemble(
      model, sim::Scenario::load(kSmall, model.schema(), {{"market.demand_volatility=0"}}));
  const double growth_quarter = std::pow(1.10, 0.25);  // alpha grows 10%/year
  // P = (B/Q)^(1/eta) with B/Q = growth_quarter and eta = 2.
  EXPECT_NEAR(result.metrics.at(models::kOutputValue, 0, 0, 0), 2e11 * std::sqrt(growth_quarter),
              1.0);
}

TEST(Ensemble, SuperDeductionRaisesRdAndCostsRevenue) {
  const models::ClusterModel model;
  const auto with = sim::run_ensemble(model, sim::Scenario::load(kSmall, model.schema()));
  const auto without = sim::run_ensemble(
      model, sim::Scenario::load(
                 kSmall, model.schema(),
                 {{"policy.rd_super_deduction=0", "policy.rd_super_deduction_tech_sme=0"}}));
  EXPECT_GT(total(with.metrics, models::fiscal_cost_metric(models::kCostRdSuperDeduction)), 0.0);
  EXPECT_EQ(total(without.metrics, models::fiscal_cost_metric(models::kCostRdSuperDeduction)), 0.0);
  EXPECT_GT(total(with.metrics, models::kRdSpend), total(without.metrics, models::kRdSpend));
}

TEST(Ensemble, HntePreferenceOffCostsNothingAndCertifiesLess) {
  const models::ClusterModel model;
  const auto with = sim::run_ensemble(model, sim::Scenario::load(kSmall, model.schema()));
  const auto without = sim::run_ensemble(
      model, sim::Scenario::load(kSmall, model.schema(), {{"policy.hnte_tax_rate=0.25"}}));
  EXPECT_GT(total(with.metrics, models::fiscal_cost_metric(models::kCostHnteTaxRate)), 0.0);
  EXPECT_EQ(total(without.metrics, models::fiscal_cost_metric(models::kCostHnteTaxRate)), 0.0);
  // Without a rate cut nobody bunches, so reported R&D falls.
  EXPECT_GT(total(with.metrics, models::kRdReported), total(without.metrics, models::kRdReported));
}

TEST(Ensemble, GoalsFollowFromOutput) {
  // alpha starts over the 100 bn mark, so G1 of small.yaml (1 cluster by 2015Q4) is met in
  // the first quarter in every replicate.
  const models::ClusterModel model;
  const auto result = sim::run_ensemble(
      model, sim::Scenario::load(kSmall, model.schema(), {{"market.demand_volatility=0"}}));
  for (std::size_t r = 0; r < result.goals.replicates; ++r) {
    EXPECT_EQ(result.goals.met[result.goals.index(0, r)], 1);
    EXPECT_DOUBLE_EQ(result.goals.first_met[result.goals.index(0, r)], 2014.25);
  }
}

}  // namespace

namespace {

TEST(Ensemble, RaisedCancelFlagStopsTheRun) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  std::atomic<bool> cancel{true};
  sim::ProgressCounter progress;
  EXPECT_THROW(sim::run_ensemble(model, sc, {&progress, &cancel}), sim::Cancelled);
  EXPECT_EQ(progress.steps_done.load(), 0);
}

}  // namespace
