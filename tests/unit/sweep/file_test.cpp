// Sweep files (sim/sweep_file.hpp): the four designs (grid, list, latin_hypercube, saltelli), the
// overrides and scenarios of points, the fingerprint, and every kind of bad input as an
// sim::InputError naming the file, line, column and dotted key. Each test writes its sweep and
// base scenario into a fresh temporary folder (scenario_files.hpp); the sweep files shipped in
// tests/data and scenarios/sweeps must load too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/scenario_files.hpp"
#include "models/cluster_model.hpp"
#include "sim/analysis/sobol.hpp"
#include "sim/core/errors.hpp"
#include "sim/sweep/file.hpp"

namespace fs = std::filesystem;

namespace {

const models::ClusterModel& model() {
  static const models::ClusterModel m;
  return m;
}

template <class F>
std::optional<sim::InputError> error_of(F&& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e;
  }
  return std::nullopt;
}

// Checks an error's place, key and message words.
void expect_error(const std::optional<sim::InputError>& error, const std::string& file, int line,
                  int column, const std::string& key, std::initializer_list<std::string> words) {
  ASSERT_TRUE(error.has_value()) << "expected a sim::InputError, none was thrown";
  SCOPED_TRACE(std::string("message: ") + error->what());
  EXPECT_EQ(error->where().file, file);
  EXPECT_EQ(error->where().line, line);
  EXPECT_EQ(error->where().column, column);
  EXPECT_EQ(error->key(), key);
  const std::string message = error->what();
  for (const auto& word : words) {
    EXPECT_NE(message.find(word), std::string::npos) << "the message lacks '" << word << "'";
  }
}

class SweepFileLoad : public scenario_tests::ScenarioFiles {
 protected:
  void SetUp() override {
    ScenarioFiles::SetUp();
    // A short base so that validating every point stays quick.
    write("base.yaml",
          "name: base\n"
          "run: {start: 2014Q1, end: 2015Q4, replicates: 3, seed: 5}\n");
  }

  // A sweep file over base.yaml: `replicates: 2` and then `body`.
  std::string sweep(const std::string& body) const {
    return write("sweep.yaml", "base: base.yaml\nreplicates: 2\n" + body);
  }

  sim::SweepDefinition load(const std::string& file) const {
    return sim::load_sweep(file, model());
  }

  std::optional<sim::InputError> load_error(const std::string& file) const {
    return error_of([&] { sim::load_sweep(file, model()); });
  }
};

// --- designs ---------------------------------------------------------------------------------

TEST_F(SweepFileLoad, GridIsTheCartesianProductFirstKeySlowest) {
  const auto s =
      load(sweep("vary:\n"
                 "  grid: {policy.ip_protection: [0, 0.5, 1], firm.exit_loss_quarters: [4, 6]}\n"));
  EXPECT_EQ(s.method, sim::SweepMethod::Grid);
  EXPECT_EQ(sim::method_name(s.method), "grid");
  EXPECT_EQ(s.settings,
            (std::vector<std::string>{"policy.ip_protection", "firm.exit_loss_quarters"}));
  const std::vector<std::vector<double>> expected = {{0, 4},   {0, 6}, {0.5, 4},
                                                     {0.5, 6}, {1, 4}, {1, 6}};
  EXPECT_EQ(s.points, expected);
  EXPECT_EQ(s.replicates, 2);
  EXPECT_EQ(s.base_samples, 0u);
  EXPECT_TRUE(s.metrics.empty());
}

TEST_F(SweepFileLoad, DefinitionKeepsPathTextBaseAndSet) {
  const std::string file = sweep(
      "set:\n"
      "  run.end: 2015Q2\n"
      "  name: \"a sweep\"\n"
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n");
  const auto s = load(file);
  EXPECT_EQ(s.path, file);
  EXPECT_EQ(s.text.rfind("base: base.yaml\n", 0), 0u);
  EXPECT_EQ(s.base_path, (dir_ / "base.yaml").string());
  EXPECT_EQ(s.set, (std::vector<std::string>{"run.end=2015Q2", "name='a sweep'"}));
  const sim::Scenario point = sim::point_scenario(s, 1, model());
  EXPECT_EQ(point.replicates(), 2);  // from the sweep's replicates, not the base's 3
  EXPECT_EQ(point.seed(), 5u);       // from the base
  EXPECT_EQ(point.name(), "a sweep");
  EXPECT_EQ(point.calendar().last_quarter, sim::quarter_number(*sim::parse_date("2015Q2")));
  EXPECT_EQ(point.number("policy.ip_protection"), 1.0);
}

TEST_F(SweepFileLoad, ListKeepsTheFirstPointsOrder) {
  const auto s =
      load(sweep("vary:\n"
                 "  list:\n"
                 "    - {policy.ip_protection: 0.25, policy.post_subsidy.rate: 0.1}\n"
                 "    - {policy.post_subsidy.rate: 0.3, policy.ip_protection: 0.75}\n"));
  EXPECT_EQ(s.method, sim::SweepMethod::List);
  EXPECT_EQ(s.settings,
            (std::vector<std::string>{"policy.ip_protection", "policy.post_subsidy.rate"}));
  EXPECT_EQ(s.points, (std::vector<std::vector<double>>{{0.25, 0.1}, {0.75, 0.3}}));
  EXPECT_EQ(sim::point_overrides(s, 1),
            (std::vector<std::string>{"policy.ip_protection=0.75",
                                      "policy.post_subsidy.rate=0.29999999999999999"}));
  EXPECT_EQ(sim::point_scenario(s, 1, model()).number("policy.post_subsidy.rate"), 0.3);
}

TEST_F(SweepFileLoad, BooleansAreReadAndWrittenAsYamlBooleans) {
  // The schema's one boolean asks for snapshots, which sweeps do not write: false only.
  const auto s = load(sweep("vary:\n  grid: {output.firm_snapshots: [false, 0]}\n"));
  EXPECT_EQ(s.points, (std::vector<std::vector<double>>{{0}, {0}}));
  EXPECT_EQ(sim::point_overrides(s, 0), (std::vector<std::string>{"output.firm_snapshots=false"}));
  sim::SweepDefinition on = s;
  on.points = {{1}};
  EXPECT_EQ(sim::point_overrides(on, 0), (std::vector<std::string>{"output.firm_snapshots=true"}));
  // A definition read back from a result file has no types; its scenarios still load.
  sim::SweepDefinition untyped = s;
  untyped.setting_types.clear();
  EXPECT_FALSE(sim::point_scenario(untyped, 0, model()).flag("output.firm_snapshots"));
}

TEST_F(SweepFileLoad, PointAskingForSnapshotsIsRefused) {
  const std::string file = sweep("vary:\n  grid: {output.firm_snapshots: [false, true]}\n");
  expect_error(load_error(file), file, 4, 3, "output.firm_snapshots",
               {"point 1 (output.firm_snapshots=true)", "no snapshots"});
}

TEST_F(SweepFileLoad, LatinHypercubeHasOneValuePerStratumInEveryColumn) {
  const std::size_t n = 20;
  const auto s = load(
      sweep("vary:\n"
            "  latin_hypercube:\n"
            "    points: 20\n"
            "    seed: 1\n"
            "    ranges: {policy.ip_protection: [0, 1], policy.rd_super_deduction: [1, 3]}\n"));
  EXPECT_EQ(s.method, sim::SweepMethod::LatinHypercube);
  ASSERT_EQ(s.points.size(), n);
  const double lo[2] = {0, 1}, hi[2] = {1, 3};
  for (std::size_t d = 0; d < 2; ++d) {
    std::set<long> strata;
    for (const auto& point : s.points) {
      ASSERT_GE(point[d], lo[d]);
      ASSERT_LT(point[d], hi[d]);
      strata.insert(static_cast<long>(std::floor((point[d] - lo[d]) / (hi[d] - lo[d]) * n)));
    }
    EXPECT_EQ(strata.size(), n) << "column " << d;
  }
}

TEST_F(SweepFileLoad, LatinHypercubeIsDecidedByItsSeed) {
  const std::string body =
      "    points: 8\n"
      "    ranges: {policy.ip_protection: [0, 1], policy.post_subsidy.rate: [0, 0.5]}\n";
  const auto a = load(sweep("vary:\n  latin_hypercube:\n    seed: 3\n" + body));
  const auto b = load(sweep("vary:\n  latin_hypercube:\n    seed: 3\n" + body));
  const auto c = load(sweep("vary:\n  latin_hypercube:\n    seed: 4\n" + body));
  EXPECT_EQ(a.points, b.points);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.points, c.points);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

TEST_F(SweepFileLoad, IntegerSettingsAreRoundedInSampledDesigns) {
  const auto s =
      load(sweep("vary:\n"
                 "  latin_hypercube:\n"
                 "    points: 10\n"
                 "    seed: 2\n"
                 "    ranges: {firm.exit_loss_quarters: [2, 9]}\n"));
  for (const auto& point : s.points) {
    EXPECT_EQ(point[0], std::nearbyint(point[0]));
    EXPECT_GE(point[0], 2);
    EXPECT_LE(point[0], 9);
  }
  EXPECT_EQ(sim::point_overrides(s, 0).front().rfind("firm.exit_loss_quarters=", 0), 0u);
  EXPECT_EQ(sim::point_scenario(s, 0, model()).integer("firm.exit_loss_quarters"), s.points[0][0]);
}

TEST_F(SweepFileLoad, SaltelliIsTheScaledDesign) {
  const auto s =
      load(sweep("vary:\n"
                 "  saltelli:\n"
                 "    base_samples: 4\n"
                 "    ranges:\n"
                 "      policy.ip_protection: [0.2, 0.6]\n"
                 "      policy.rd_super_deduction: [0.5, 1.5]\n"
                 "      firm.exit_loss_quarters: [2, 8]\n"));
  EXPECT_EQ(s.method, sim::SweepMethod::Saltelli);
  EXPECT_EQ(s.base_samples, 4u);
  const std::vector<double> unit = sim::saltelli_design(3, 4);
  ASSERT_EQ(s.points.size(), 4u * 5u);
  const double lo[3] = {0.2, 0.5, 2}, hi[3] = {0.6, 1.5, 8};
  for (std::size_t row = 0; row < s.points.size(); ++row) {
    for (std::size_t d = 0; d < 3; ++d) {
      double expected = lo[d] + (hi[d] - lo[d]) * unit[row * 3 + d];
      if (d == 2) expected = std::nearbyint(expected);
      EXPECT_EQ(s.points[row][d], expected) << "row " << row << " column " << d;
    }
  }
}

TEST_F(SweepFileLoad, OverridesAreExact) {
  const auto s = load(
      sweep("vary:\n"
            "  latin_hypercube: {points: 3, seed: 9, ranges: {policy.ip_protection: [0, 1]}}\n"));
  const std::string text = sim::point_overrides(s, 2).front();
  EXPECT_EQ(std::stod(text.substr(text.find('=') + 1)), s.points[2][0]);
  EXPECT_EQ(sim::point_scenario(s, 2, model()).number("policy.ip_protection"), s.points[2][0]);
}

TEST_F(SweepFileLoad, FingerprintFollowsWhatDecidesTheResults) {
  const auto a = load(sweep("vary:\n  grid: {policy.ip_protection: [0, 0.5]}\n"));
  const auto same = load(sweep("# a comment\nvary:\n  grid: {policy.ip_protection: [0, 0.5]}\n"));
  const auto value = load(sweep("vary:\n  grid: {policy.ip_protection: [0, 0.6]}\n"));
  const auto metrics = load(sweep(
      "output: {metrics: [output_value]}\nvary:\n  grid: {policy.ip_protection: [0, 0.5]}\n"));
  const auto replicates = load(
      write("sweep.yaml",
            "base: base.yaml\nreplicates: 3\nvary:\n  grid: {policy.ip_protection: [0, 0.5]}\n"));
  EXPECT_NE(a.fingerprint, 0u);
  EXPECT_EQ(a.fingerprint, same.fingerprint);
  EXPECT_NE(a.fingerprint, value.fingerprint);
  EXPECT_NE(a.fingerprint, metrics.fingerprint);
  EXPECT_NE(a.fingerprint, replicates.fingerprint);
}

TEST_F(SweepFileLoad, MetricsSubsetInFileOrder) {
  const auto s =
      load(sweep("output:\n"
                 "  metrics: [rd_spend, output_value]\n"
                 "vary:\n"
                 "  grid: {policy.ip_protection: [0, 1]}\n"));
  EXPECT_EQ(s.metrics, (std::vector<std::string>{"rd_spend", "output_value"}));
}

// --- errors ----------------------------------------------------------------------------------

TEST_F(SweepFileLoad, MissingFile) {
  const std::string file = path("nowhere.yaml");
  expect_error(load_error(file), file, 0, 0, "", {"does not exist"});
}

TEST_F(SweepFileLoad, UnknownTopLevelKeySuggests) {
  const std::string file = sweep(
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n"
      "replicate: 3\n");
  expect_error(load_error(file), file, 5, 1, "replicate",
               {"unknown key", "did you mean 'replicates'"});
}

TEST_F(SweepFileLoad, TwoMethods) {
  const std::string file = sweep(
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n"
      "  list: [{policy.ip_protection: 0}]\n");
  expect_error(load_error(file), file, 5, 3, "vary.list", {"one method", "'grid'"});
}

TEST_F(SweepFileLoad, NoMethod) {
  const std::string file = sweep("vary:\n");
  expect_error(load_error(file), file, 3, 1, "vary", {"expected one method", "saltelli"});
}

TEST_F(SweepFileLoad, UnknownMethodSuggests) {
  const std::string file = sweep("vary:\n  gird: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 4, 3, "vary.gird", {"did you mean 'grid'"});
}

TEST_F(SweepFileLoad, UnknownSettingSuggests) {
  const std::string file = sweep(
      "vary:\n"
      "  grid:\n"
      "    policy.ip_protecton: [0, 1]\n");
  expect_error(load_error(file), file, 5, 5, "vary.grid.policy.ip_protecton",
               {"unknown setting", "did you mean 'policy.ip_protection'"});
}

TEST_F(SweepFileLoad, RunSeedCannotBeVaried) {
  const std::string file = sweep("vary:\n  grid: {run.seed: [1, 2]}\n");
  expect_error(load_error(file), file, 4, 10, "vary.grid.run.seed",
               {"cannot be varied", "replicates:", "seed"});
}

TEST_F(SweepFileLoad, TextSettingCannotBeVaried) {
  const std::string file = sweep("vary:\n  list: [{name: a}, {name: b}]\n");
  expect_error(load_error(file), file, 4, 11, "vary.list.name",
               {"text setting", "only number, integer and boolean"});
}

TEST_F(SweepFileLoad, ValueOutsideTheSettingsRange) {
  const std::string file = sweep(
      "vary:\n"
      "  grid:\n"
      "    policy.ip_protection: [0, 1.5]\n");
  expect_error(load_error(file), file, 5, 31, "vary.grid.policy.ip_protection",
               {"1.5 is outside the allowed range [0, 1]"});
}

TEST_F(SweepFileLoad, IntegerValueMustBeWhole) {
  const std::string file = sweep("vary:\n  grid: {firm.exit_loss_quarters: [4, 4.5]}\n");
  expect_error(load_error(file), file, 4, 39, "vary.grid.firm.exit_loss_quarters",
               {"integer setting", "'4.5'"});
}

TEST_F(SweepFileLoad, RangeLowMustBeBelowHigh) {
  const std::string file = sweep(
      "vary:\n"
      "  saltelli:\n"
      "    base_samples: 4\n"
      "    ranges:\n"
      "      policy.ip_protection: [0.5, 0.5]\n");
  expect_error(load_error(file), file, 7, 29, "vary.saltelli.ranges.policy.ip_protection",
               {"low end 0.5 must be below the high end 0.5"});
}

TEST_F(SweepFileLoad, BooleanRangeIsRefused) {
  const std::string file = sweep(
      "vary:\n"
      "  latin_hypercube: {points: 4, seed: 1, ranges: {output.firm_snapshots: [0, 1]}}\n");
  expect_error(load_error(file), file, 4, 73, "vary.latin_hypercube.ranges.output.firm_snapshots",
               {"boolean", "grid or list"});
}

TEST_F(SweepFileLoad, LatinHypercubeNeedsItsSeed) {
  const std::string file = sweep(
      "vary:\n"
      "  latin_hypercube:\n"
      "    points: 4\n"
      "    ranges: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 5, 5, "vary.latin_hypercube.seed", {"missing"});
}

TEST_F(SweepFileLoad, SaltelliNeedsTwoBaseSamples) {
  const std::string file = sweep(
      "vary:\n"
      "  saltelli:\n"
      "    base_samples: 1\n"
      "    ranges: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 5, 19, "vary.saltelli.base_samples", {"at least 2"});
}

TEST_F(SweepFileLoad, TooManyPoints) {
  const std::string file = sweep(
      "vary:\n"
      "  saltelli:\n"
      "    base_samples: 50000\n"
      "    ranges: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 5, 19, "vary.saltelli.base_samples",
               {"150000 points", "at most 100000"});
}

TEST_F(SweepFileLoad, MissingReplicates) {
  const std::string file = write("sweep.yaml",
                                 "base: base.yaml\n"
                                 "vary:\n"
                                 "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 1, 1, "replicates", {"missing", "required"});
}

TEST_F(SweepFileLoad, ZeroReplicates) {
  const std::string file = write("sweep.yaml",
                                 "base: base.yaml\n"
                                 "replicates: 0\n"
                                 "vary:\n"
                                 "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 2, 13, "replicates", {"at least 1"});
}

TEST_F(SweepFileLoad, UnknownMetricSuggests) {
  const std::string file = sweep(
      "output:\n"
      "  metrics: [output_value, rd_spnd]\n"
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 4, 27, "output.metrics",
               {"unknown metric 'rd_spnd'", "did you mean 'rd_spend'"});
}

TEST_F(SweepFileLoad, DuplicateMetric) {
  const std::string file = sweep(
      "output: {metrics: [output_value, output_value]}\n"
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 3, 34, "output.metrics", {"listed twice"});
}

TEST_F(SweepFileLoad, VariedSettingAlsoSet) {
  const std::string file = sweep(
      "set:\n"
      "  policy.ip_protection: 0.5\n"
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 4, 3, "set.policy.ip_protection",
               {"varied under vary.grid", "not both"});
}

TEST_F(SweepFileLoad, UnknownSetKeySuggests) {
  const std::string file = sweep(
      "set:\n"
      "  run.ends: 2015Q2\n"
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 4, 3, "set.run.ends", {"did you mean 'run.end'"});
}

TEST_F(SweepFileLoad, BadSetValueIsReportedInTheSweepFile) {
  const std::string file = sweep(
      "set:\n"
      "  policy.post_subsidy.rate: 2\n"
      "vary:\n"
      "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 4, 29, "policy.post_subsidy.rate", {"outside"});
}

TEST_F(SweepFileLoad, ListMapsWithDifferentKeys) {
  const std::string file = sweep(
      "vary:\n"
      "  list:\n"
      "    - {policy.ip_protection: 0, policy.post_subsidy.rate: 0.1}\n"
      "    - {policy.ip_protection: 1, policy.phase_out.share: 0.1}\n");
  expect_error(load_error(file), file, 6, 7, "vary.list",
               {"point 1 sets", "the first point sets", "same settings"});
}

TEST_F(SweepFileLoad, BaseMissing) {
  const std::string file = write("sweep.yaml",
                                 "base: missing.yaml\n"
                                 "replicates: 2\n"
                                 "vary:\n"
                                 "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 1, 7, "base", {"missing.yaml", "does not exist"});
}

TEST_F(SweepFileLoad, BaseErrorsNameTheBase) {
  const std::string base = write("bad.yaml", "name: bad\npolicy: {ip_protection: 3}\n");
  const std::string file = write("sweep.yaml",
                                 "base: bad.yaml\n"
                                 "replicates: 2\n"
                                 "vary:\n"
                                 "  grid: {policy.post_subsidy.rate: [0, 1]}\n");
  expect_error(load_error(file), base, 2, 25, "policy.ip_protection", {"outside"});
}

TEST_F(SweepFileLoad, BaseWithSnapshotsIsRefused) {
  write("snap.yaml", "name: snap\noutput: {firm_snapshots: true}\n");
  const std::string file = write("sweep.yaml",
                                 "base: snap.yaml\n"
                                 "replicates: 2\n"
                                 "vary:\n"
                                 "  grid: {policy.ip_protection: [0, 1]}\n");
  expect_error(load_error(file), file, 1, 7, "base", {"firm snapshots", "no snapshots"});
}

TEST_F(SweepFileLoad, PointThatFailsValidationIsNamed) {
  // Each value is in range, but the platform shares of the second point sum to 1.2.
  const std::string file = sweep(
      "vary:\n"
      "  grid:\n"
      "    platform.share.key_lab: [0.3, 0.5]\n");
  expect_error(load_error(file), file, 4, 3, "platform.share.key_lab",
               {"point 1 (platform.share.key_lab=0.5)", "must sum to 1"});
}

// --- the shipped sweep files ----------------------------------------------------------------

void expect_loads(const fs::path& file) {
  SCOPED_TRACE(file.string());
  try {
    const auto s = sim::load_sweep(file.string(), model());
    EXPECT_FALSE(s.points.empty());
    EXPECT_NE(s.fingerprint, 0u);
  } catch (const sim::InputError& e) {
    ADD_FAILURE() << e.what();
  }
}

TEST(SweepFileShipped, TestDataSweepsLoad) {
  const auto small =
      sim::load_sweep(scenario_tests::test_data("sweep-small.yaml").string(), model());
  EXPECT_EQ(small.points.size(), 6u);
  EXPECT_EQ(small.replicates, 2);
  const auto saltelli =
      sim::load_sweep(scenario_tests::test_data("sweep-saltelli.yaml").string(), model());
  EXPECT_EQ(saltelli.method, sim::SweepMethod::Saltelli);
  EXPECT_EQ(saltelli.points.size(), 8u * (saltelli.settings.size() + 2));
}

TEST(SweepFileShipped, EveryScenarioSweepLoads) {
  const fs::path folder = fs::path(CLUSTERSIM_SOURCE_DIR) / "scenarios" / "sweeps";
  int found = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".yaml") continue;
    ++found;
    expect_loads(entry.path());
  }
  EXPECT_GE(found, 1);
}

}  // namespace
