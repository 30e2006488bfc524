// Errors of the scenario loader (sim/scenario.hpp, sim/config_tree.hpp): every kind of bad input
// is an sim::InputError that names the file, the 1-based line and column of the offending key or
// value, the full dotted key and what is wrong. Each test writes its scenario into a fresh
// temporary folder (with the catalogue and starting state of tests/data under data/, where the
// schema defaults look for them) and checks the exact place the loader reports.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "config/scenario_files.hpp"
#include "models/cluster_model.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/errors.hpp"

namespace fs = std::filesystem;

namespace {

using scenario_tests::schema;
using scenario_tests::test_data;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The error a call throws, or nullopt when it throws none. Other exceptions propagate and fail
// the test.
template <class F>
std::optional<sim::InputError> error_of(F&& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e;
  }
  return std::nullopt;
}

// Checks an error's place, key and message. `key` nullopt: the key is not checked.
void expect_error(const std::optional<sim::InputError>& error, const std::string& file, int line,
                  int column, const std::optional<std::string>& key,
                  std::initializer_list<std::string> words) {
  ASSERT_TRUE(error.has_value()) << "expected a sim::InputError, none was thrown";
  SCOPED_TRACE(std::string("message: ") + error->what());
  EXPECT_EQ(error->where().file, file);
  EXPECT_EQ(error->where().line, line);
  EXPECT_EQ(error->where().column, column);
  if (key) EXPECT_EQ(error->key(), *key);
  const std::string message = error->what();
  for (const auto& word : words) {
    EXPECT_NE(message.find(word), std::string::npos) << "the message lacks '" << word << "'";
  }
  // The message starts with the place, as the CLI prints it.
  EXPECT_EQ(message.rfind(error->where().str() + ": error: ", 0), 0u);
}

class ScenarioErrors : public scenario_tests::ScenarioFiles {
 protected:
  std::optional<sim::InputError> load_error(const std::string& file,
                                            std::vector<std::string> overrides = {}) const {
    return error_of([&] { sim::Scenario::load(file, schema(), {std::move(overrides)}); });
  }
};

// --- the fixture itself ----------------------------------------------------------------------

TEST_F(ScenarioErrors, FixtureScenarioLoads) {
  // The folder the other tests write into is usable: a minimal scenario loads without error.
  const std::string file = write("ok.yaml", "name: ok\n");
  const sim::Scenario sc = sim::Scenario::load(file, schema());
  EXPECT_EQ(sc.name(), "ok");
  EXPECT_EQ(sc.clusters().size(), 3u);
}

// --- unknown keys ------------------------------------------------------------------------------

// A misspelt group suggests the setting written under it, not the group alone; with nothing
// under it, the group.
TEST_F(ScenarioErrors, UnknownTopLevelKeySuggestsTheSettingWrittenUnderIt) {
  const std::string file = write("s.yaml",
                                 "name: t\n"
                                 "polcy:\n"
                                 "  hnte_tax_rate: 0.1\n");
  expect_error(load_error(file), file, 2, 1, "polcy",
               {"unknown setting", "did you mean 'policy.hnte_tax_rate'?"});
  const std::string bare = write("bare.yaml",
                                 "name: t\n"
                                 "polcy: {}\n");
  expect_error(load_error(bare), bare, 2, 1, "polcy",
               {"unknown setting", "did you mean 'policy'?"});
}

TEST_F(ScenarioErrors, UnknownNestedKeySuggestsSetting) {
  const std::string file = write("s.yaml",
                                 "name: t\n"
                                 "policy:\n"
                                 "  hnte_tax_rat: 0.1\n");
  expect_error(load_error(file), file, 3, 3, "policy.hnte_tax_rat",
               {"unknown setting", "did you mean 'policy.hnte_tax_rate'"});
}

TEST_F(ScenarioErrors, UnknownKeyWithoutSuggestion) {
  const std::string file = write("s.yaml", "completely_unrelated_thing: 1\n");
  const auto error = load_error(file);
  expect_error(error, file, 1, 1, "completely_unrelated_thing", {"unknown setting"});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(std::string(error->what()).find("did you mean"), std::string::npos);
}

TEST_F(ScenarioErrors, UnknownKeyInExtendedFileNamesThatFile) {
  const std::string parent = write("parent.yaml",
                                   "name: parent\n"
                                   "run:\n"
                                   "  replicate: 3\n");
  const std::string child = write("child.yaml",
                                  "extends: parent.yaml\n"
                                  "name: child\n");
  expect_error(load_error(child), parent, 3, 3, "run.replicate",
               {"unknown setting", "did you mean 'run.replicates'"});
}

TEST_F(ScenarioErrors, UnknownKeyIsReportedBeforeTheDefaultCatalogueIsMissed) {
  // The misspelt key is the cause; the catalogue the default names is only a consequence.
  fs::remove(dir_ / "data" / "clusters.csv");
  write("clusters.csv", read_text(test_data("clusters.csv")));
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  cluster_file: clusters.csv\n");
  expect_error(load_error(file), file, 2, 3, "world.cluster_file",
               {"unknown setting", "did you mean 'world.clusters_file'"});
}

// --- wrong types -------------------------------------------------------------------------------

TEST_F(ScenarioErrors, TextForNumber) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: low\n");
  expect_error(load_error(file), file, 2, 18, "policy.hnte_tax_rate",
               {"expected a number", "'low'"});
}

TEST_F(ScenarioErrors, ListForNumber) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: [0.1, 0.2]\n");
  expect_error(load_error(file), file, 2, 18, "policy.hnte_tax_rate",
               {"expected a number", "list"});
}

TEST_F(ScenarioErrors, QuotedNumberIsText) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: \"0.5\"\n");
  expect_error(load_error(file), file, 2, 18, "policy.hnte_tax_rate",
               {"expected a number", "quoted"});
}

TEST_F(ScenarioErrors, SingleQuotedNumberInsideScheduleIsText) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  rd_super_deduction: {2014: 0.5, 2018: '0.75'}\n");
  // '{' is column 23; "{2014: 0.5, 2018: " is 18 characters.
  expect_error(load_error(file), file, 2, 41, "policy.rd_super_deduction",
               {"expected a number", "quoted"});
}

TEST_F(ScenarioErrors, TextForDate) {
  const std::string file = write("s.yaml",
                                 "goals:\n"
                                 "  g1:\n"
                                 "    deadline: [2015Q4]\n");
  expect_error(load_error(file), file, 3, 15, "goals.g1.deadline", {"expected a date", "list"});
}

TEST_F(ScenarioErrors, EmptyValueForSetting) {
  // A key without a value: the error is on the key's line, not on the next key's.
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  replicates:\n"
                                 "  seed: 3\n");
  expect_error(load_error(file), file, 2, 3, "run.replicates",
               {"expected an integer", "empty value"});
}

TEST_F(ScenarioErrors, GroupGivenAScalar) {
  const std::string file = write("s.yaml",
                                 "name: t\n"
                                 "policy: 3\n");
  expect_error(load_error(file), file, 2, 9, "policy",
               {"group of settings", "expected a mapping", "single value"});
}

TEST_F(ScenarioErrors, NestedGroupGivenAList) {
  const std::string file = write("s.yaml",
                                 "tax:\n"
                                 "  small_profit: [1, 2]\n");
  expect_error(load_error(file), file, 2, 17, "tax.small_profit",
               {"group of settings", "expected a mapping", "list"});
}

// --- values out of range, integers -------------------------------------------------------------

TEST_F(ScenarioErrors, OutOfRangeConstant) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: 1.5\n");
  expect_error(load_error(file), file, 2, 18, "policy.hnte_tax_rate",
               {"1.5 is outside the allowed range", "[0, 1]"});
}

TEST_F(ScenarioErrors, OutOfRangeInsideSchedule) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  rd_super_deduction: {2014: 0.5, 2016: 3.5}\n");
  expect_error(load_error(file), file, 2, 41, "policy.rd_super_deduction",
               {"3.5 is outside the allowed range", "[0, 3]"});
}

TEST_F(ScenarioErrors, OutOfRangeInsidePerClusterValueNamesUnit) {
  const std::string file = write("s.yaml",
                                 "tax:\n"
                                 "  small_profit:\n"
                                 "    ceiling:\n"
                                 "      default: 3e5\n"
                                 "      beta: -1\n");
  expect_error(load_error(file), file, 5, 13, "tax.small_profit.ceiling",
               {"-1 is outside the allowed range", "yuan/year"});
}

TEST_F(ScenarioErrors, IntegerGivenAFraction) {
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  replicates: 2.5\n");
  expect_error(load_error(file), file, 2, 15, "run.replicates", {"whole number", "'2.5'"});
}

// --- bad dates ---------------------------------------------------------------------------------

TEST_F(ScenarioErrors, BadDateAsRunStart) {
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  start: 2014Q7\n");
  expect_error(load_error(file), file, 2, 10, "run.start", {"bad date '2014Q7'", "2015Q4"});
}

TEST_F(ScenarioErrors, BadDateAsFirstScheduleKey) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  rd_super_deduction: {2015Q5: 0.6, 2018: 0.75}\n");
  expect_error(load_error(file), file, 2, 24, "policy.rd_super_deduction", {"bad date '2015Q5'"});
}

TEST_F(ScenarioErrors, BadDateAfterAGoodOneInSchedule) {
  // A typo in the second date of a plain schedule is a bad date, not a mix of dates and ids.
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  rd_super_deduction: {2014: 0.5, 2015Q5: 0.6}\n");
  expect_error(load_error(file), file, 2, 35, "policy.rd_super_deduction", {"bad date '2015Q5'"});
}

TEST_F(ScenarioErrors, ImpossibleIsoDateInSchedule) {
  const std::string file = write("s.yaml",
                                 "firm:\n"
                                 "  rd_share:\n"
                                 "    sme: 0.01\n"
                                 "policy:\n"
                                 "  hnte_tax_rate:\n"
                                 "    2015-02-30: 0.1\n");
  expect_error(load_error(file), file, 6, 5, "policy.hnte_tax_rate", {"bad date '2015-02-30'"});
}

TEST_F(ScenarioErrors, TwoDatesInTheSameQuarter) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: {2015-10-01: 0.1, 2015Q4: 0.12}\n");
  expect_error(load_error(file), file, 2, 36, "policy.hnte_tax_rate", {"same quarter", "2015Q4"});
}

// --- per-cluster values ------------------------------------------------------------------------

TEST_F(ScenarioErrors, UnknownClusterId) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: {default: 0.15, delta: 0.1}\n");
  expect_error(load_error(file), file, 2, 34, "policy.hnte_tax_rate",
               {"unknown cluster id 'delta'", "world.clusters_file"});
}

TEST_F(ScenarioErrors, PerClusterMapOnSettingThatDoesNotVaryByCluster) {
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  replicates: {alpha: 3}\n");
  expect_error(load_error(file), file, 2, 16, "run.replicates", {"does not vary by cluster"});
}

TEST_F(ScenarioErrors, DefaultKeyOnSettingThatDoesNotVaryByCluster) {
  const std::string file = write("s.yaml",
                                 "firm:\n"
                                 "  depreciation:\n"
                                 "    default: 0.03\n"
                                 "    beta: 0.04\n");
  expect_error(load_error(file), file, 3, 5, "firm.depreciation", {"does not vary by cluster"});
}

TEST_F(ScenarioErrors, ScheduleOnSettingThatDoesNotVaryByDate) {
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  replicates: {2014: 3}\n");
  expect_error(load_error(file), file, 2, 15, "run.replicates", {"does not vary by date"});
}

TEST_F(ScenarioErrors, PerClusterScheduleOnSettingThatVariesOnlyByCluster) {
  const std::string file = write("s.yaml",
                                 "market:\n"
                                 "  demand_elasticity: {default: 2.0, beta: {2016: 3.0}}\n");
  // '{' of the mapping is column 22; "{default: 2.0, beta: " is 21 characters.
  expect_error(load_error(file), file, 2, 43, "market.demand_elasticity",
               {"does not vary by date"});
}

TEST_F(ScenarioErrors, MappingMixesDatesAndClusterIds) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: {beta: 0.1, 2016: 0.12}\n");
  expect_error(load_error(file), file, 2, 30, "policy.hnte_tax_rate",
               {"mixes dates and cluster ids"});
}

// --- files -------------------------------------------------------------------------------------

TEST_F(ScenarioErrors, MissingScenarioFile) {
  const std::string file = path("nope.yaml");
  expect_error(load_error(file), file, 0, 0, "", {"does not exist", "nope.yaml"});
}

TEST_F(ScenarioErrors, MissingExtendedFileNamesTheExtendingLine) {
  const std::string child = write("child.yaml",
                                  "name: child\n"
                                  "extends: parent-missing.yaml\n");
  expect_error(load_error(child), child, 2, 10, "extends",
               {"does not exist", path("parent-missing.yaml")});
}

TEST_F(ScenarioErrors, DirectoryGivenAsScenario) {
  fs::create_directories(dir_ / "folder.yaml");
  const std::string file = path("folder.yaml");
  expect_error(load_error(file), file, 0, 0, "", {"is a directory"});
}

TEST_F(ScenarioErrors, DirectoryGivenAsExtendedFile) {
  fs::create_directories(dir_ / "parents");
  const std::string child = write("child.yaml", "extends: parents\n");
  expect_error(load_error(child), child, 1, 10, "extends", {"is a directory"});
}

TEST_F(ScenarioErrors, EmptyFile) {
  const std::string file = write("empty.yaml", "");
  expect_error(load_error(file), file, 0, 0, "", {"empty"});
}

TEST_F(ScenarioErrors, FileWithOnlyComments) {
  const std::string file = write("comments.yaml",
                                 "# a scenario still to be written\n"
                                 "\n"
                                 "# policy:\n"
                                 "#   hnte_tax_rate: 0.1\n");
  expect_error(load_error(file), file, 0, 0, "", {"empty"});
}

TEST_F(ScenarioErrors, EmptyExtendedFileNamesIt) {
  const std::string parent = write("parent.yaml", "# nothing yet\n");
  const std::string child = write("child.yaml", "extends: parent.yaml\n");
  expect_error(load_error(child), parent, 0, 0, "", {"empty"});
}

TEST_F(ScenarioErrors, NotYamlDoubleColon) {
  const std::string file = write("s.yaml",
                                 "name: t\n"
                                 "key: : value\n");
  expect_error(load_error(file), file, 2, 6, "", {"not valid YAML"});
}

TEST_F(ScenarioErrors, NotYamlUnclosedBracket) {
  // The place to look is the '[' left open (line 2, column 9), not the end of the file.
  const std::string file = write("s.yaml",
                                 "name: t\n"
                                 "policy: [1, 2\n");
  expect_error(load_error(file), file, 2, 9, "", {"not valid YAML"});
}

TEST_F(ScenarioErrors, DocumentIsAList) {
  const std::string file = write("s.yaml",
                                 "- name: t\n"
                                 "- run: {replicates: 3}\n");
  expect_error(load_error(file), file, 1, 1, "", {"must be a mapping", "list"});
}

TEST_F(ScenarioErrors, DocumentIsAScalar) {
  const std::string file = write("s.yaml", "just some words\n");
  expect_error(load_error(file), file, 1, 1, "", {"must be a mapping", "single value"});
}

TEST_F(ScenarioErrors, DuplicateKey) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: 0.1\n"
                                 "  rd_deduction_takeup: 0.5\n"
                                 "  hnte_tax_rate: 0.2\n");
  expect_error(load_error(file), file, 4, 3, "policy.hnte_tax_rate", {"appears twice"});
}

TEST_F(ScenarioErrors, DuplicateTopLevelGroup) {
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  replicates: 3\n"
                                 "name: t\n"
                                 "run:\n"
                                 "  seed: 4\n");
  expect_error(load_error(file), file, 4, 1, "run", {"appears twice"});
}

// --- extends -----------------------------------------------------------------------------------

TEST_F(ScenarioErrors, ExtendsCycleOfTwoFiles) {
  const std::string a = write("a.yaml",
                              "extends: b.yaml\n"
                              "name: a\n");
  const std::string b = write("b.yaml",
                              "name: b\n"
                              "extends: a.yaml\n");
  const auto error = load_error(a);
  expect_error(error, b, 2, 10, "extends", {"extends cycle", a, b});
}

TEST_F(ScenarioErrors, FileExtendingItself) {
  const std::string file = write("self.yaml",
                                 "name: self\n"
                                 "extends: ./self.yaml\n");
  expect_error(load_error(file), file, 2, 10, "extends", {"extends cycle", file});
}

TEST_F(ScenarioErrors, ExtendsGivenAMapping) {
  const std::string file = write("s.yaml", "extends: {file: parent.yaml}\n");
  expect_error(load_error(file), file, 1, 10, "extends", {"expected the path"});
}

TEST_F(ScenarioErrors, TextScenarioCannotExtend) {
  const auto error = error_of(
      [] { sim::Scenario::from_yaml("name: t\nextends: other.yaml\n", "<inline>", schema()); });
  expect_error(error, "<inline>", 2, 10, "extends", {"cannot extend"});
}

// --- contradictory settings ------------------------------------------------------------------

TEST_F(ScenarioErrors, RunEndsBeforeItStarts) {
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  start: 2016Q1\n"
                                 "  end: 2015Q4\n");
  expect_error(load_error(file), file, 3, 8, "run.end",
               {"ends (2015-10-01) before it starts (2016-01-01)"});
}

TEST_F(ScenarioErrors, RunStartAfterDefaultEndNamesTheStart) {
  // Only run.start is written; the error must point at what the user wrote, not at a default.
  const std::string file = write("s.yaml",
                                 "run:\n"
                                 "  start: 2021Q1\n");
  expect_error(load_error(file), file, 2, 10, "run.start", {"ends", "before it starts"});
}

TEST_F(ScenarioErrors, SmallProfitBracketAboveCeiling) {
  const std::string file = write("s.yaml",
                                 "tax:\n"
                                 "  small_profit:\n"
                                 "    bracket: 5e5\n");
  expect_error(load_error(file), file, 3, 14, "tax.small_profit.bracket",
               {"bracket (500000) exceeds the ceiling (100000)", "2014Q1", "alpha"});
}

TEST_F(ScenarioErrors, SmallProfitCeilingBelowBracketNamesTheCeiling) {
  // Only the ceiling is written; the error must point at it, not at the bracket's default.
  const std::string file = write("s.yaml",
                                 "tax:\n"
                                 "  small_profit:\n"
                                 "    ceiling: 5e4\n");
  expect_error(load_error(file), file, 3, 14, "tax.small_profit.ceiling",
               {"bracket", "exceeds the ceiling (50000)"});
}

TEST_F(ScenarioErrors, HnteSalesBandsOutOfOrder) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte:\n"
                                 "    small_sales_limit: 5e7\n"
                                 "    large_sales_limit: {2014: 2e8, 2017: 4e7}\n");
  expect_error(load_error(file), file, 4, 24, "policy.hnte.large_sales_limit",
               {"must exceed the small one", "2017Q1"});
}

TEST_F(ScenarioErrors, InitialOutputForClusterWithoutFirms) {
  // gamma starts empty (no output, no firms): fine, until the scenario gives it an output.
  write("no-firms.csv",
        "cluster_id,field,value,unit,year,source,confidence,estimate,note\n"
        "alpha,output,1.2e11,yuan/year,2014,t,L,yes,\n"
        "alpha,firms,120,firms,2014,t,L,yes,\n"
        "alpha,demand_growth,0.10,1/year,2014,t,L,yes,\n"
        "beta,output,6e10,yuan/year,2014,t,L,yes,\n"
        "beta,firms,80,firms,2014,t,L,yes,\n"
        "beta,demand_growth,-0.03,1/year,2014,t,L,yes,\n"
        "gamma,output,0,yuan/year,2014,t,L,yes,\n"
        "gamma,firms,0,firms,2014,t,L,yes,\n"
        "gamma,demand_growth,0.2,1/year,2014,t,L,yes,\n"
        "alpha,startup_firms,0,x,2014,t,L,yes,\n"
        "alpha,researchers,0,x,2014,t,L,yes,\n"
        "alpha,incubators,0,x,2014,t,L,yes,\n"
        "alpha,incubator_capacity,0,x,2014,t,L,yes,\n"
        "alpha,platforms,0,x,2014,t,L,yes,\n"
        "alpha,platform_capital,0,x,2014,t,L,yes,\n"
        "beta,startup_firms,0,x,2014,t,L,yes,\n"
        "beta,researchers,0,x,2014,t,L,yes,\n"
        "beta,incubators,0,x,2014,t,L,yes,\n"
        "beta,incubator_capacity,0,x,2014,t,L,yes,\n"
        "beta,platforms,0,x,2014,t,L,yes,\n"
        "beta,platform_capital,0,x,2014,t,L,yes,\n"
        "gamma,startup_firms,0,x,2014,t,L,yes,\n"
        "gamma,researchers,0,x,2014,t,L,yes,\n"
        "gamma,incubators,0,x,2014,t,L,yes,\n"
        "gamma,incubator_capacity,0,x,2014,t,L,yes,\n"
        "gamma,platforms,0,x,2014,t,L,yes,\n"
        "gamma,platform_capital,0,x,2014,t,L,yes,\n");
  const std::string control = write("control.yaml",
                                    "world:\n"
                                    "  initial_state_file: no-firms.csv\n");
  EXPECT_NO_THROW(sim::Scenario::load(control, schema()));
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  initial_state_file: no-firms.csv\n"
                                 "  initial_output: {gamma: 3e10}\n");
  expect_error(load_error(file), file, 3, 19, "world.initial_output",
               {"'gamma'", "no firms", "world.initial_firms"});
}

// --- command-line overrides --------------------------------------------------------------------

TEST_F(ScenarioErrors, SetUnknownKey) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: 0.1\n");
  expect_error(load_error(file, {"run.replicates=3", "policy.hnte_tax_rat=0.12"}),
               "--set policy.hnte_tax_rat=0.12", 1, 1, "policy.hnte_tax_rat",
               {"unknown setting", "did you mean 'policy.hnte_tax_rate'"});
}

TEST_F(ScenarioErrors, SetWithoutEquals) {
  const std::string file = write("s.yaml", "name: t\n");
  expect_error(load_error(file, {"policy.hnte_tax_rate"}), "--set policy.hnte_tax_rate", 1, 1,
               std::nullopt, {"expected --set path.to.key=value"});
}

TEST_F(ScenarioErrors, SetEmptyKeyComponent) {
  const std::string file = write("s.yaml", "name: t\n");
  expect_error(load_error(file, {"policy..hnte_tax_rate=0.1"}), "--set policy..hnte_tax_rate=0.1",
               1, 1, "policy..hnte_tax_rate", {"empty component"});
}

TEST_F(ScenarioErrors, SetBadValue) {
  const std::string file = write("s.yaml", "name: t\n");
  // "run.replicates=" is 15 characters: the value starts at column 16.
  expect_error(load_error(file, {"run.replicates=lots"}), "--set run.replicates=lots", 1, 16,
               "run.replicates", {"integer", "'lots'"});
}

TEST_F(ScenarioErrors, SetRunEndBeforeStart) {
  const std::string file = write("s.yaml", "name: t\n");
  expect_error(load_error(file, {"run.end=2013Q4"}), "--set run.end=2013Q4", 1, 9, "run.end",
               {"ends (2013-10-01) before it starts (2014-01-01)"});
}

TEST_F(ScenarioErrors, SetScheduleValueOutOfRangeNamesItsColumn) {
  const std::string file = write("s.yaml", "name: t\n");
  // In "policy.hnte_tax_rate={2016: 1.5}" the value 1.5 is at column 29.
  expect_error(load_error(file, {"policy.hnte_tax_rate={2016: 1.5}"}),
               "--set policy.hnte_tax_rate={2016: 1.5}", 1, 29, "policy.hnte_tax_rate",
               {"1.5 is outside the allowed range"});
}

TEST_F(ScenarioErrors, SetValueNotYaml) {
  const std::string file = write("s.yaml", "name: t\n");
  // The second ':' of "policy.hnte_tax_rate=a: : b" is at column 25.
  expect_error(load_error(file, {"policy.hnte_tax_rate=a: : b"}),
               "--set policy.hnte_tax_rate=a: : b", 1, 25, "policy.hnte_tax_rate",
               {"not valid YAML"});
}

// --- data files --------------------------------------------------------------------------------

TEST_F(ScenarioErrors, MissingClusterCatalogue) {
  const std::string file = write("s.yaml",
                                 "name: t\n"
                                 "world:\n"
                                 "  clusters_file: missing/clusters.csv\n");
  expect_error(load_error(file), file, 3, 18, "world.clusters_file",
               {"cluster catalogue", path("missing/clusters.csv")});
}

TEST_F(ScenarioErrors, ClusterCatalogueWithDuplicateId) {
  const std::string csv = write("dup.csv",
                                "id,name,name_zh,region,kind,host_city\n"
                                "alpha,alpha cluster,a,r1,emerging,Weifang\n"
                                "beta,beta cluster,b,r2,traditional,Dongying\n"
                                "alpha,alpha again,c,r3,emerging,Linyi\n");
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  clusters_file: dup.csv\n");
  expect_error(load_error(file), csv, 4, 1, "id", {"cluster id 'alpha' appears twice"});
}

TEST_F(ScenarioErrors, ClusterCatalogueRowWithTooFewFields) {
  const std::string csv = write("cat/short.csv",
                                "id,name,name_zh,region,kind,host_city\n"
                                "alpha,alpha cluster,a,r1,emerging,Weifang\n"
                                "beta,beta cluster,b,r2,traditional\n"
                                "gamma,gamma cluster,c,r3,emerging,Linyi\n");
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  clusters_file: cat/short.csv\n");
  expect_error(load_error(file), csv, 3, 1, std::nullopt, {"row has 5 fields, the header has 6"});
}

TEST_F(ScenarioErrors, ClusterCatalogueWithBadKind) {
  const std::string csv = write("kind.csv",
                                "id,name,name_zh,region,kind,host_city\n"
                                "alpha,alpha cluster,a,r1,emerging,Weifang\n"
                                "beta,beta cluster,b,r2,old,Dongying\n");
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  clusters_file: kind.csv\n");
  expect_error(load_error(file), csv, 3, 1, "kind", {"kind is 'old'"});
}

TEST_F(ScenarioErrors, InitialStateNamesClusterNotInCatalogue) {
  const std::string csv = write("state.csv",
                                "cluster_id,field,value,unit,year,source,confidence,estimate,note\n"
                                "alpha,output,1.2e11,yuan/year,2014,t,L,yes,\n"
                                "delta,output,5e10,yuan/year,2014,t,L,yes,\n"
                                "alpha,firms,120,firms,2014,t,L,yes,\n");
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  initial_state_file: state.csv\n");
  expect_error(load_error(file), csv, 3, 1, "cluster_id",
               {"cluster 'delta' is not in the catalogue"});
}

TEST_F(ScenarioErrors, MissingInitialStateFile) {
  const std::string file = write("s.yaml",
                                 "world:\n"
                                 "  initial_state_file: nowhere.csv\n");
  expect_error(load_error(file), file, 2, 23, "world.initial_state_file",
               {"cannot use", path("nowhere.csv")});
}

// --- the message is the whole report -----------------------------------------------------------

TEST_F(ScenarioErrors, MessageHasPlaceKeyAndDetail) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: 1.5\n");
  const auto error = load_error(file);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(std::string(error->what()),
            file + ":2:18: error: key 'policy.hnte_tax_rate': " + error->detail());
  EXPECT_EQ(error->detail(), "1.5 is outside the allowed range [0, 1]");
  // The scenario file is untouched by a failed load.
  EXPECT_EQ(read_text(file), "policy:\n  hnte_tax_rate: 1.5\n");
}

}  // namespace

// --- agent counts that a run could not hold ------------------------------------------------------

TEST_F(ScenarioErrors, PlatformInvestmentOpeningTooManyPlatforms) {
  // 1e12 a year in platforms of 1e5: about 1e7 a quarter per cluster, far beyond a run.
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  platforms:\n"
                                 "    investment_per_year: 1e12\n"
                                 "platform:\n"
                                 "  new_platform_size: 1e5\n");
  expect_error(load_error(file), file, 3, 26, "policy.platforms.investment_per_year",
               {"would open about", "platforms", "platform.new_platform_size"});
}

TEST_F(ScenarioErrors, IncubatorCapacityMakingTooManyIncubators) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  incubators:\n"
                                 "    capacity: {default: 0, beta: {2015: 1e6}}\n"
                                 "incubator:\n"
                                 "  size: 1\n");
  expect_error(load_error(file), file, 3, 15, "policy.incubators.capacity",
               {"would make", "incubators in cluster 'beta' (2015Q1)", "raise incubator.size"});
}
