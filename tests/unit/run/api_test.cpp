// The embedding API (sim/api.hpp): scenarios as text that extend a file, and ensembles on a
// background thread that can be watched and cancelled.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "models/cluster_model.hpp"
#include "sim/run/api.hpp"

namespace {

const std::string kData = CLUSTERSIM_TEST_DATA;
const std::string kSmall = kData + "/small.yaml";

bool bit_identical(const sim::MetricsArray& a, const sim::MetricsArray& b) {
  const std::size_t n = a.metrics() * a.replicates() * a.steps() * a.clusters();
  return n == b.metrics() * b.replicates() * b.steps() * b.clusters() &&
         std::memcmp(a.metric(0), b.metric(0), n * sizeof(double)) == 0;
}

// Runs the test body with the current directory set to the test data folder.
class ScenarioText : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = std::filesystem::current_path();
    std::filesystem::current_path(kData);
  }
  void TearDown() override { std::filesystem::current_path(previous_); }

 private:
  std::filesystem::path previous_;
};

TEST_F(ScenarioText, TextExtendingAFileEqualsTheFileWithOverrides) {
  const models::ClusterModel model;
  const auto expected = sim::Scenario::load(
      kSmall, model.schema(),
      {{"policy.rd_super_deduction={2014: 0.5, 2015: 1.0}", "run.seed=3", "run.replicates=2"}});
  const auto text = sim::load_scenario_text(
      "extends: small.yaml\nrun: {seed: 3}\npolicy:\n  rd_super_deduction: {2014: 0.5, 2015: "
      "1.0}\n",
      "<text>", model.schema(), {{"run.replicates=2"}});
  EXPECT_EQ(text.resolved_yaml(), expected.resolved_yaml());
}

TEST_F(ScenarioText, TextWithoutExtendsIsFromYaml) {
  const models::ClusterModel model;
  const auto sc = sim::load_scenario_text(
      "name: t\nworld: {clusters_file: clusters.csv, initial_state_file: initial-state.csv}\n",
      "<text>", model.schema());
  EXPECT_EQ(sc.name(), "t");
  EXPECT_EQ(sc.clusters().size(), 3u);
}

TEST_F(ScenarioText, RelativePathsInExtendingTextAreTakenFromTheCurrentFolder) {
  const models::ClusterModel model;
  const auto sc = sim::load_scenario_text(
      "extends: small.yaml\nworld: {clusters_file: ./clusters.csv}\n", "<text>", model.schema());
  EXPECT_EQ(sc.path("world.clusters_file"),
            (std::filesystem::current_path() / "clusters.csv").lexically_normal().string());
}

TEST_F(ScenarioText, ErrorsInExtendingTextNameTheOverrideAndKey) {
  const models::ClusterModel model;
  try {
    sim::load_scenario_text("extends: small.yaml\npolicy: {hnte_tax_rate: 7}\n", "<text>",
                            model.schema());
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(e.key(), "policy.hnte_tax_rate");
    EXPECT_EQ(e.where().file.rfind("--set policy.hnte_tax_rate=", 0), 0u) << e.what();
  }
  try {
    sim::load_scenario_text("name: x\nextends: missing.yaml\n", "<text>", model.schema());
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(e.key(), "extends");
    EXPECT_EQ(e.where().file, "<text>");
    EXPECT_EQ(e.where().line, 2);
  }
}

TEST(BackgroundRun, EqualsRunEnsemble) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  sim::BackgroundRun run(model, sc, 1);
  while (!run.wait_for(std::chrono::milliseconds(10))) {
  }
  EXPECT_EQ(run.threads(), 1);
  const auto result = run.get();
  EXPECT_EQ(run.progress().steps_done.load(), run.progress().total_steps.load());
  EXPECT_TRUE(bit_identical(result.metrics, sim::run_ensemble(model, sc).metrics));
}

TEST(BackgroundRun, CancelStopsTheRun) {
  const models::ClusterModel model;
  const auto sc =
      sim::Scenario::load(kSmall, model.schema(), {{"run.replicates=2000", "run.end=2030Q4"}});
  sim::BackgroundRun run(model, sc, 0);
  while (run.progress().steps_done.load() == 0) run.wait_for(std::chrono::milliseconds(1));
  run.cancel();
  EXPECT_THROW(run.get(), sim::Cancelled);
  EXPECT_LT(run.progress().replicates_done.load(), 2000);
}

TEST(BackgroundRun, GetWaitsForTheEnd) {
  const models::ClusterModel model;
  const auto sc = sim::Scenario::load(kSmall, model.schema());
  sim::BackgroundRun run(model, sc, 0);
  EXPECT_NO_THROW(run.get());
  EXPECT_GE(sim::effective_threads(0), 1);
  EXPECT_EQ(sim::effective_threads(1), 1);
}

}  // namespace
