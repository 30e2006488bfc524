// The scenario loader (sim/scenario.hpp): constants, schedules by year, quarter and ISO date,
// per-cluster values, `extends` chains, --set overrides, Scenario::from_yaml, the resolved YAML
// round trip, the run's calendar, and the schema's documentation and suggestions. Scenarios are
// written into a fresh temporary folder per test, with the catalogue and starting state of
// tests/data copied under data/ (where the schema defaults look for them).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config/scenario_files.hpp"
#include "models/cluster_model.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/errors.hpp"

namespace fs = std::filesystem;

namespace {

using scenario_tests::schema;
using scenario_tests::test_data;

// Quarter number of a date written as in a scenario ("2015", "2015Q4", "2015-10-01").
int q(const std::string& date) {
  const auto d = sim::parse_date(date);
  if (!d) throw std::invalid_argument("bad date in test: " + date);
  return sim::quarter_number(*d);
}

constexpr std::size_t kAlpha = 0, kBeta = 1, kGamma = 2;

class ScenarioLoad : public scenario_tests::ScenarioFiles {
 protected:
  sim::Scenario load(const std::string& file, std::vector<std::string> overrides = {}) const {
    return sim::Scenario::load(file, schema(), {std::move(overrides)});
  }

  // Loads the scenario text written as `name` in the test folder.
  sim::Scenario load_text(const std::string& text, std::vector<std::string> overrides = {}) const {
    return load(write("scenario.yaml", text), std::move(overrides));
  }
};

// The value of a numeric setting at a quarter, for every cluster.
std::vector<double> by_cluster(const sim::Scenario& sc, const std::string& key, int quarter) {
  std::vector<double> out;
  for (std::size_t c = 0; c < sc.clusters().size(); ++c) out.push_back(sc.number(key, quarter, c));
  return out;
}

// Every setting of two scenarios agrees at every quarter of the run and for every cluster;
// returns a description of the first few differences (empty when none).
std::string differences(const sim::Scenario& a, const sim::Scenario& b) {
  std::ostringstream out;
  int count = 0;
  auto note = [&](const std::string& text) {
    if (count++ < 10) out << text << "\n";
  };
  if (a.calendar().first_quarter != b.calendar().first_quarter ||
      a.calendar().last_quarter != b.calendar().last_quarter) {
    note("calendars differ");
  }
  if (a.clusters().size() != b.clusters().size()) {
    note("catalogues differ");
    return out.str();
  }
  for (std::size_t c = 0; c < a.clusters().size(); ++c) {
    if (a.clusters()[c].id != b.clusters()[c].id) note("cluster ids differ");
  }
  for (const auto& s : a.schema().settings()) {
    switch (s.type) {
      case sim::SettingType::Text:
      case sim::SettingType::Path:
        if (a.text(s.key) != b.text(s.key)) {
          note(s.key + ": '" + a.text(s.key) + "' vs '" + b.text(s.key) + "'");
        }
        break;
      case sim::SettingType::Date:
        if (a.date(s.key) != b.date(s.key)) {
          note(s.key + ": " + a.date(s.key).iso() + " vs " + b.date(s.key).iso());
        }
        break;
      default:
        for (int quarter = a.calendar().first_quarter; quarter <= a.calendar().last_quarter;
             ++quarter) {
          for (std::size_t c = 0; c < a.clusters().size(); ++c) {
            const double x = a.number(s.key, quarter, c), y = b.number(s.key, quarter, c);
            if (x != y) {
              note(s.key + " in " + sim::quarter_label(quarter) + " for " + a.clusters()[c].id +
                   ": " + std::to_string(x) + " vs " + std::to_string(y));
            }
          }
        }
    }
  }
  if (count > 10) out << "... " << count << " differences in all\n";
  return out.str();
}

// --- run values and defaults -------------------------------------------------------------------

TEST_F(ScenarioLoad, RunValuesOfTheSmallTestScenario) {
  const std::string file = (test_data("small.yaml")).string();
  const sim::Scenario sc = load(file);
  EXPECT_EQ(sc.source(), file);
  EXPECT_EQ(sc.name(), "small");
  EXPECT_EQ(sc.calendar().first_quarter, q("2014Q1"));
  EXPECT_EQ(sc.calendar().last_quarter, q("2016Q4"));
  EXPECT_EQ(sc.calendar().steps(), 12);
  EXPECT_EQ(sc.seed(), 7u);
  EXPECT_EQ(sc.replicates(), 4);
  ASSERT_EQ(sc.clusters().size(), 3u);
  EXPECT_EQ(sc.clusters()[kAlpha].id, "alpha");
  EXPECT_EQ(sc.clusters()[kBeta].id, "beta");
  EXPECT_EQ(sc.clusters()[kGamma].id, "gamma");
  EXPECT_EQ(sc.clusters()[kGamma].host_city, "Linyi, tentative");
  EXPECT_EQ(sc.path("world.clusters_file"), test_data("clusters.csv").lexically_normal().string());
  EXPECT_EQ(sc.path("world.initial_state_file"),
            test_data("initial-state.csv").lexically_normal().string());
  EXPECT_EQ(sc.number("goals.g1.target"), 1.0);
  EXPECT_EQ(sc.date("goals.g3.deadline"), (sim::Date{2016, 10, 1}));
  // Not in the file: the schema defaults.
  EXPECT_EQ(sc.number("goals.output_mark"), 1e11);
  EXPECT_EQ(sc.integer("policy.hnte.status_quarters"), 12);
}

TEST_F(ScenarioLoad, RunCalendarSeedAndReplicates) {
  const sim::Scenario sc = load_text(
      "run:\n"
      "  start: 2015Q2\n"
      "  end: 2017-03-31\n"
      "  replicates: 1\n"
      "  seed: 9007199254740991\n");
  EXPECT_EQ(sc.calendar().first_quarter, q("2015Q2"));
  EXPECT_EQ(sc.calendar().last_quarter, q("2017Q1"));
  EXPECT_EQ(sc.calendar().steps(), 8);
  EXPECT_EQ(sc.calendar().quarter_of_step(0), q("2015Q2"));
  EXPECT_EQ(sc.date("run.end"), (sim::Date{2017, 3, 31}));
  EXPECT_EQ(sc.replicates(), 1);
  EXPECT_EQ(sc.seed(), 9007199254740991ull);
}

TEST_F(ScenarioLoad, DefaultsWhenNothingIsSet) {
  const sim::Scenario sc = load_text("description: defaults only\n");
  EXPECT_EQ(sc.name(), "scenario");  // the file's stem
  EXPECT_EQ(sc.text("description"), "defaults only");
  EXPECT_EQ(sc.calendar().first_quarter, q("2014Q1"));
  EXPECT_EQ(sc.calendar().last_quarter, q("2020Q4"));
  EXPECT_EQ(sc.replicates(), 32);
  EXPECT_EQ(sc.seed(), 20150123u);
  EXPECT_EQ(sc.path("world.clusters_file"), path("data/clusters.csv"));
  EXPECT_EQ(sc.path("world.initial_state_file"), path("data/initial-state-2014.csv"));
  // A default schedule: {2014: 1e5, 2015: 2e5, 2015Q4: 3e5, 2017: 5e5, 2018: 1e6, 2019: 3e6}.
  EXPECT_EQ(sc.number("tax.small_profit.ceiling", q("2014Q4"), kBeta), 1e5);
  EXPECT_EQ(sc.number("tax.small_profit.ceiling", q("2015Q3"), kBeta), 2e5);
  EXPECT_EQ(sc.number("tax.small_profit.ceiling", q("2015Q4"), kBeta), 3e5);
  EXPECT_EQ(sc.number("tax.small_profit.ceiling", q("2019Q1"), kBeta), 3e6);
  EXPECT_EQ(sc.number("tax.standard_rate"), 0.25);
  EXPECT_EQ(sc.value("tax.standard_rate").where.line, 0);
}

// --- constants ---------------------------------------------------------------------------------

TEST_F(ScenarioLoad, ConstantsHoldEverywhere) {
  const std::string file = write("constants.yaml",
                                 "name: constants\n"
                                 "policy:\n"
                                 "  hnte_tax_rate: 0.12\n"
                                 "  rd_super_deduction: 1\n"
                                 "firm:\n"
                                 "  depreciation: 4e-2\n"
                                 "  exit_loss_quarters: 7\n");
  const sim::Scenario sc = load(file);
  for (int quarter = sc.calendar().first_quarter; quarter <= sc.calendar().last_quarter;
       ++quarter) {
    EXPECT_EQ(by_cluster(sc, "policy.hnte_tax_rate", quarter), (std::vector{0.12, 0.12, 0.12}));
    EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", quarter), (std::vector{1.0, 1.0, 1.0}));
  }
  EXPECT_EQ(sc.number("policy.hnte_tax_rate"), 0.12);
  EXPECT_EQ(sc.number("firm.depreciation"), 0.04);
  EXPECT_EQ(sc.integer("firm.exit_loss_quarters"), 7);
  // Where each value was written: file, line and column of the value.
  const sim::Location& where = sc.value("policy.hnte_tax_rate").where;
  EXPECT_EQ(where.file, file);
  EXPECT_EQ(where.line, 3);
  EXPECT_EQ(where.column, 18);
}

TEST_F(ScenarioLoad, NumberOfAScheduleIsAnErrorAtItsValue) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: {2016: 0.1}\n");
  const sim::Scenario sc = load(file);
  try {
    sc.number("policy.hnte_tax_rate");
    FAIL() << "expected sim::InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(e.where().file, file);
    EXPECT_EQ(e.where().line, 2);
    EXPECT_EQ(e.where().column, 18);
    EXPECT_EQ(e.key(), "policy.hnte_tax_rate");
    EXPECT_NE(std::string(e.what()).find("single value"), std::string::npos) << e.what();
  }
}

TEST_F(ScenarioLoad, NumbersInTheFormsYamlAllows) {
  const sim::Scenario sc = load_text(
      "run:\n"
      "  replicates: 1e2\n"
      "  seed: 3.0\n"
      "policy:\n"
      "  hnte_tax_rate: 1.5E-1\n"
      "  rd_deduction_takeup: .25\n"
      "market:\n"
      "  demand_growth_adjust: {2014: -0.5, 2016: +0.1}\n");
  EXPECT_EQ(sc.replicates(), 100);
  EXPECT_EQ(sc.seed(), 3u);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate"), 0.15);
  EXPECT_EQ(sc.number("policy.rd_deduction_takeup"), 0.25);
  EXPECT_EQ(sc.number("market.demand_growth_adjust", q("2015Q1"), kAlpha), -0.5);
  EXPECT_EQ(sc.number("market.demand_growth_adjust", q("2016Q1"), kAlpha), 0.1);
}

// --- schedules ---------------------------------------------------------------------------------

TEST_F(ScenarioLoad, ScheduleByYearStartsFromTheDefault) {
  // The default is {2014: 0.5, 2018: 0.75}; before the user's first date, the default applies.
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  rd_super_deduction: {2019: 1.0}\n");
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2014Q1"), kAlpha), 0.5);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2015Q2"), kAlpha), 0.5);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2017Q4"), kBeta), 0.5);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2018Q1"), kBeta), 0.75);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2018Q4"), kGamma), 0.75);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2019Q1"), kGamma), 1.0);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2020Q4"), kAlpha), 1.0);
}

TEST_F(ScenarioLoad, ScheduleFromItsFirstDateReplacesTheDefault) {
  // From 2015 on, the user's schedule holds; the default's 2018 step no longer applies.
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  rd_super_deduction: {2016: 0.9, 2015: 0.6}\n");
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2014Q4"), kAlpha), 0.5);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2015Q1"), kAlpha), 0.6);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2015Q4"), kAlpha), 0.6);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2016Q1"), kAlpha), 0.9);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2018Q1"), kAlpha), 0.9);
}

TEST_F(ScenarioLoad, ScheduleByQuarter) {
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  hnte_tax_rate:\n"
      "    2014Q1: 0.15\n"
      "    2016Q3: 0.1\n"
      "    2017q2: 0.05\n");
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2016Q2"), kAlpha), 0.15);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2016Q3"), kAlpha), 0.1);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2017Q1"), kGamma), 0.1);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2017Q2"), kGamma), 0.05);
}

TEST_F(ScenarioLoad, ScheduleByIsoDate) {
  // A date on the first day of a quarter applies from that quarter; a date inside a quarter
  // applies from the next one.
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  hnte_tax_rate: {2016-04-01: 0.1, 2017-05-15: 0.05, 2018-12-31: 0.2}\n");
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2016Q1"), kAlpha), 0.15);  // the default
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2016Q2"), kAlpha), 0.1);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2017Q2"), kAlpha), 0.1);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2017Q3"), kAlpha), 0.05);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2018Q4"), kAlpha), 0.05);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2019Q1"), kAlpha), 0.2);
}

TEST_F(ScenarioLoad, MidQuarterDateAndNextQuarterBothCountAsTheSameQuarter) {
  // 2015-11-15 applies from 2016Q1, like 2016 itself: two values for one quarter are an error.
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: {2015-11-15: 0.1, 2016: 0.12}\n");
  try {
    load(file);
    FAIL() << "expected sim::InputError";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("same quarter 2016Q1"), std::string::npos) << e.what();
    EXPECT_EQ(e.where().line, 2);
  }
}

// --- per-cluster values ------------------------------------------------------------------------

TEST_F(ScenarioLoad, PerClusterConstants) {
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  hnte_tax_rate: {default: 0.12, beta: 0.2}\n");
  for (int quarter = sc.calendar().first_quarter; quarter <= sc.calendar().last_quarter;
       ++quarter) {
    EXPECT_EQ(by_cluster(sc, "policy.hnte_tax_rate", quarter), (std::vector{0.12, 0.2, 0.12}));
  }
}

TEST_F(ScenarioLoad, PerClusterWithoutDefaultKeyUsesTheSchemaDefault) {
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  hnte_tax_rate: {beta: 0.2}\n"
      "  rd_super_deduction:\n"
      "    gamma: 1.0\n");
  EXPECT_EQ(by_cluster(sc, "policy.hnte_tax_rate", q("2016Q1")), (std::vector{0.15, 0.2, 0.15}));
  // The default of the others is itself a schedule {2014: 0.5, 2018: 0.75}.
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2015Q1")), (std::vector{0.5, 0.5, 1.0}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2018Q1")),
            (std::vector{0.75, 0.75, 1.0}));
}

TEST_F(ScenarioLoad, PerClusterSchedules) {
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  rd_super_deduction:\n"
      "    default: {2015: 0.6}\n"
      "    gamma: {2016: 0.9}\n"
      "    beta: {2017Q3: 1.5}\n");
  // The default key: the schema default before 2015, 0.6 from 2015 on (the 2018 step is gone).
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2014Q4")), (std::vector{0.5, 0.5, 0.5}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2015Q1")), (std::vector{0.6, 0.6, 0.6}));
  // An override's schedule starts from the scenario's default key.
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2016Q1")), (std::vector{0.6, 0.6, 0.9}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2017Q2")), (std::vector{0.6, 0.6, 0.9}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2017Q3")), (std::vector{0.6, 1.5, 0.9}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2020Q4")), (std::vector{0.6, 1.5, 0.9}));
}

TEST_F(ScenarioLoad, PerClusterScheduleWithoutDefaultKey) {
  const sim::Scenario sc = load_text(
      "policy:\n"
      "  rd_super_deduction: {beta: {2016: 0.9}}\n");
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2015Q4")), (std::vector{0.5, 0.5, 0.5}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2016Q1")), (std::vector{0.5, 0.9, 0.5}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2018Q1")),
            (std::vector{0.75, 0.9, 0.75}));
}

TEST_F(ScenarioLoad, SettingsThatVaryOnlyByCluster) {
  const sim::Scenario sc = load_text(
      "world:\n"
      "  initial_firms: {beta: 95}\n"
      "market:\n"
      "  demand_elasticity:\n"
      "    default: 2.5\n"
      "    alpha: 3\n");
  EXPECT_EQ(by_cluster(sc, "world.initial_firms", q("2014Q1")), (std::vector{0.0, 95.0, 0.0}));
  EXPECT_EQ(by_cluster(sc, "market.demand_elasticity", q("2019Q1")), (std::vector{3.0, 2.5, 2.5}));
}

// --- extends -----------------------------------------------------------------------------------

TEST_F(ScenarioLoad, ExtendsOverridesSettingBySetting) {
  const std::string parent = write("parent.yaml",
                                   "name: parent\n"
                                   "run:\n"
                                   "  replicates: 3\n"
                                   "  seed: 11\n"
                                   "policy:\n"
                                   "  hnte_tax_rate: 0.1\n"
                                   "  rd_deduction_takeup: 0.6\n");
  const std::string child = write("child.yaml",
                                  "extends: parent.yaml\n"
                                  "name: child\n"
                                  "run:\n"
                                  "  replicates: 9\n"
                                  "policy:\n"
                                  "  rd_deduction_takeup: 0.7\n");
  const sim::Scenario sc = load(child);
  EXPECT_EQ(sc.name(), "child");
  EXPECT_EQ(sc.source(), child);
  EXPECT_EQ(sc.replicates(), 9);
  EXPECT_EQ(sc.seed(), 11u);  // from the parent: groups merge
  EXPECT_EQ(sc.number("policy.hnte_tax_rate"), 0.1);
  EXPECT_EQ(sc.number("policy.rd_deduction_takeup"), 0.7);
  EXPECT_EQ(sc.value("policy.hnte_tax_rate").where.file, parent);
  EXPECT_EQ(sc.value("policy.hnte_tax_rate").where.line, 6);
  EXPECT_EQ(sc.value("policy.rd_deduction_takeup").where.file, child);
  EXPECT_EQ(sc.value("policy.rd_deduction_takeup").where.line, 6);
}

TEST_F(ScenarioLoad, ExtendsReplacesAScheduleWhole) {
  write("parent.yaml",
        "policy:\n"
        "  rd_super_deduction: {2014: 0.4, 2016: 0.6}\n"
        "  rd_super_deduction_tech_sme: {default: 0.8, beta: 0.9}\n");
  const std::string child = write("child.yaml",
                                  "extends: parent.yaml\n"
                                  "policy:\n"
                                  "  rd_super_deduction: {2017: 1.0}\n"
                                  "  rd_super_deduction_tech_sme: {gamma: 1.1}\n");
  const sim::Scenario sc = load(child);
  // Not merged date by date: before 2017 the schema default applies, not the parent's values.
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2014Q1"), kAlpha), 0.5);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2016Q1"), kAlpha), 0.5);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2017Q1"), kAlpha), 1.0);
  EXPECT_EQ(sc.number("policy.rd_super_deduction", q("2018Q1"), kAlpha), 1.0);
  // A per-cluster mapping without default names only its clusters: the parent's default and
  // beta stay (replacing it whole switched the parent's 0.8 back to the schema's default).
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction_tech_sme", q("2015Q1")),
            (std::vector{0.8, 0.9, 1.1}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction_tech_sme", q("2017Q1")),
            (std::vector{0.8, 0.9, 1.1}));
}

// The analyst's trap: a lever set for every cluster in the extended file, then overridden for
// one cluster, was switched back to the schema's default in every other cluster.
TEST_F(ScenarioLoad, APerClusterOverrideKeepsTheInheritedValueElsewhere) {
  write("parent.yaml",
        "policy:\n"
        "  hnte_tax_rate: 0.12\n"
        "  rd_super_deduction: {2014: 0.4, 2016: 0.6}\n"
        "  rd_deduction_takeup: {default: 0.7, gamma: 0.9}\n"
        "  rd_super_deduction_tech_sme: {default: 0.8, beta: 0.9}\n");
  const std::string child = write("child.yaml",
                                  "extends: parent.yaml\n"
                                  "policy:\n"
                                  "  hnte_tax_rate: {beta: 0.2}\n"
                                  "  rd_super_deduction: {gamma: {2015: 1.0}}\n"
                                  "  rd_deduction_takeup: {gamma: 0.3, alpha: 0.4}\n"
                                  "  rd_super_deduction_tech_sme: {default: 1.2, gamma: 1.1}\n");
  const sim::Scenario sc = load(child);
  // A constant becomes the default of the clusters the mapping does not name.
  EXPECT_EQ(by_cluster(sc, "policy.hnte_tax_rate", q("2016Q1")), (std::vector{0.12, 0.2, 0.12}));
  // So does a schedule; the named cluster's own schedule starts from it.
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2014Q2")), (std::vector{0.4, 0.4, 0.4}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2015Q2")), (std::vector{0.4, 0.4, 1.0}));
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction", q("2016Q2")), (std::vector{0.6, 0.6, 1.0}));
  // Two per-cluster mappings merge cluster by cluster.
  EXPECT_EQ(by_cluster(sc, "policy.rd_deduction_takeup", q("2016Q1")),
            (std::vector{0.4, 0.7, 0.3}));
  // With its own default, a mapping replaces the inherited value whole.
  EXPECT_EQ(by_cluster(sc, "policy.rd_super_deduction_tech_sme", q("2016Q1")),
            (std::vector{1.2, 1.2, 1.1}));
  // An override on the command line merges the same way, over the files' value.
  const sim::Scenario set =
      load(child, {"policy.hnte_tax_rate={gamma: 0.3}", "policy.rd_deduction_takeup={beta: 0.5}"});
  EXPECT_EQ(by_cluster(set, "policy.hnte_tax_rate", q("2016Q1")), (std::vector{0.12, 0.2, 0.3}));
  EXPECT_EQ(by_cluster(set, "policy.rd_deduction_takeup", q("2016Q1")),
            (std::vector{0.4, 0.5, 0.3}));
  // A plain value on the command line still replaces the mapping whole.
  EXPECT_EQ(
      by_cluster(load(child, {"policy.hnte_tax_rate=0.1"}), "policy.hnte_tax_rate", q("2016Q1")),
      (std::vector{0.1, 0.1, 0.1}));
}

TEST_F(ScenarioLoad, ExtendsChainOfThreeFiles) {
  write("grand.yaml",
        "name: grand\n"
        "description: the root of the chain\n"
        "policy:\n"
        "  hnte_tax_rate: 0.1\n"
        "  rd_deduction_takeup: 0.6\n"
        "  rd_super_deduction: 1.0\n");
  write("parent.yaml",
        "extends: grand.yaml\n"
        "name: parent\n"
        "policy:\n"
        "  rd_deduction_takeup: 0.7\n"
        "  rd_super_deduction: 1.5\n");
  const std::string child = write("child.yaml",
                                  "extends: parent.yaml\n"
                                  "policy:\n"
                                  "  rd_super_deduction: 2.0\n");
  const sim::Scenario sc = load(child);
  EXPECT_EQ(sc.name(), "parent");
  EXPECT_EQ(sc.text("description"), "the root of the chain");
  EXPECT_EQ(sc.number("policy.hnte_tax_rate"), 0.1);
  EXPECT_EQ(sc.number("policy.rd_deduction_takeup"), 0.7);
  EXPECT_EQ(sc.number("policy.rd_super_deduction"), 2.0);
  // A --set override comes after every file.
  const sim::Scenario overridden = load(child, {"policy.hnte_tax_rate=0.05"});
  EXPECT_EQ(overridden.number("policy.hnte_tax_rate"), 0.05);
  EXPECT_EQ(overridden.number("policy.rd_super_deduction"), 2.0);
}

TEST_F(ScenarioLoad, RelativePathsResolveAgainstTheFileThatWroteThem) {
  fs::create_directories(dir_ / "base" / "cat");
  fs::create_directories(dir_ / "state");
  fs::copy_file(test_data("clusters.csv"), dir_ / "base" / "cat" / "clusters.csv");
  fs::copy_file(test_data("initial-state.csv"), dir_ / "state" / "initial.csv");
  write("root/grand.yaml",
        "name: grand\n"
        "policy:\n"
        "  hnte_tax_rate: 0.11\n");
  write("base/parent.yaml",
        "extends: ../root/grand.yaml\n"
        "world:\n"
        "  clusters_file: cat/clusters.csv\n");
  const std::string child = write("child.yaml",
                                  "extends: base/parent.yaml\n"
                                  "world:\n"
                                  "  initial_state_file: state/initial.csv\n");
  const sim::Scenario sc = load(child);
  EXPECT_EQ(sc.path("world.clusters_file"), path("base/cat/clusters.csv"));
  EXPECT_EQ(sc.path("world.initial_state_file"), path("state/initial.csv"));
  EXPECT_EQ(sc.name(), "grand");
  EXPECT_EQ(sc.number("policy.hnte_tax_rate"), 0.11);
  EXPECT_EQ(sc.value("policy.hnte_tax_rate").where.file, path("root/grand.yaml"));
}

TEST_F(ScenarioLoad, RelativeScenarioPathFromTheCurrentDirectory) {
  // As on the command line: the scenario named relative to the current directory.
  fs::create_directories(dir_ / "sub" / "base" / "cat");
  fs::copy_file(test_data("clusters.csv"), dir_ / "sub" / "base" / "cat" / "clusters.csv");
  write("sub/base/parent.yaml",
        "world:\n"
        "  clusters_file: cat/clusters.csv\n"
        "  initial_state_file: ../../data/initial-state-2014.csv\n"
        "policy:\n"
        "  hnte_tax_rate: 0.1\n");
  write("sub/child.yaml", "extends: base/parent.yaml\n");
  const fs::path previous = fs::current_path();
  fs::current_path(dir_);
  struct Restore {
    fs::path to;
    ~Restore() { fs::current_path(to); }
  } restore{previous};
  const sim::Scenario sc = load("sub/child.yaml");
  EXPECT_EQ(sc.source(), "sub/child.yaml");
  EXPECT_EQ(sc.name(), "child");
  EXPECT_EQ(sc.path("world.clusters_file"), path("sub/base/cat/clusters.csv"));
  EXPECT_EQ(sc.path("world.initial_state_file"), path("data/initial-state-2014.csv"));
  EXPECT_EQ(sc.value("policy.hnte_tax_rate").where.file, "sub/base/parent.yaml");
}

// --- --set overrides ---------------------------------------------------------------------------

TEST_F(ScenarioLoad, OverridesOfNestedKeysAndSchedules) {
  const std::string file = write("s.yaml",
                                 "policy:\n"
                                 "  hnte_tax_rate: 0.12\n");
  const sim::Scenario sc = load(
      file, {"policy.hnte.rd_intensity_medium=0.05", "policy.hnte_tax_rate={2016: 0.1}",
             "market.demand_volatility={default: 0.02, beta: 0.05}", "name=from the command line"});
  EXPECT_EQ(sc.number("policy.hnte.rd_intensity_medium"), 0.05);
  // The override replaces the file's value whole: before 2016, the schema default.
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2015Q4"), kAlpha), 0.15);
  EXPECT_EQ(sc.number("policy.hnte_tax_rate", q("2016Q1"), kAlpha), 0.1);
  EXPECT_EQ(by_cluster(sc, "market.demand_volatility", q("2014Q1")),
            (std::vector{0.02, 0.05, 0.02}));
  EXPECT_EQ(sc.name(), "from the command line");
  const sim::Location& where = sc.value("policy.hnte_tax_rate").where;
  EXPECT_EQ(where.file, "--set policy.hnte_tax_rate={2016: 0.1}");
  EXPECT_EQ(where.line, 1);
  EXPECT_EQ(where.column, 22);
}

TEST_F(ScenarioLoad, LaterOverridesWin) {
  const sim::Scenario sc =
      load_text("run:\n  replicates: 2\n",
                {"run.replicates=3", "run.seed=5", "run.replicates=7",
                 "policy.rd_super_deduction={2016: 1.0}", "policy.rd_super_deduction=0.25"});
  EXPECT_EQ(sc.replicates(), 7);
  EXPECT_EQ(sc.seed(), 5u);
  EXPECT_EQ(sc.number("policy.rd_super_deduction"), 0.25);
}

// --- from_yaml ---------------------------------------------------------------------------------

TEST_F(ScenarioLoad, FromYaml) {
  const std::string yaml =
      "name: inline\n"
      "run: {start: 2015Q1, end: 2015Q4, replicates: 2}\n"
      "world:\n"
      "  clusters_file: " +
      test_data("clusters.csv").string() +
      "\n"
      "  initial_state_file: " +
      test_data("initial-state.csv").string() +
      "\n"
      "policy:\n"
      "  hnte_tax_rate: {default: 0.1, gamma: {2015Q3: 0.2}}\n";
  const sim::Scenario sc = sim::Scenario::from_yaml(yaml, "<text>", schema(), {{"run.seed=99"}});
  EXPECT_EQ(sc.source(), "<text>");
  EXPECT_EQ(sc.name(), "inline");
  EXPECT_EQ(sc.calendar().steps(), 4);
  EXPECT_EQ(sc.replicates(), 2);
  EXPECT_EQ(sc.seed(), 99u);
  EXPECT_EQ(sc.clusters().size(), 3u);
  EXPECT_EQ(by_cluster(sc, "policy.hnte_tax_rate", q("2015Q2")), (std::vector{0.1, 0.1, 0.1}));
  EXPECT_EQ(by_cluster(sc, "policy.hnte_tax_rate", q("2015Q3")), (std::vector{0.1, 0.1, 0.2}));
  EXPECT_EQ(sc.value("policy.hnte_tax_rate").where.file, "<text>");
  EXPECT_EQ(sc.value("policy.hnte_tax_rate").where.line, 7);
}

TEST_F(ScenarioLoad, FromYamlErrorsNameTheGivenName) {
  try {
    const std::string yaml =
        "world:\n"
        "  clusters_file: " +
        test_data("clusters.csv").string() +
        "\n"
        "policy:\n"
        "  hnte_tax_rate: 2\n";
    sim::Scenario::from_yaml(yaml, "<pasted>", schema());
    FAIL() << "expected sim::InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(e.where().file, "<pasted>");
    EXPECT_EQ(e.where().line, 4);
    EXPECT_EQ(e.where().column, 18);
    EXPECT_NE(std::string(e.what()).find("outside the allowed range"), std::string::npos);
  }
}

// --- resolved YAML -----------------------------------------------------------------------------

constexpr const char* kRichScenario =
    "name: rich\n"
    "description: \"Every form of value: schedules, per-cluster values, dates (山东, "
    "\\\"quoted\\\", #1).\"\n"
    "run:\n"
    "  start: 2014-02-15\n"
    "  end: 2019Q3\n"
    "  replicates: 5\n"
    "  seed: 123456789012\n"
    "policy:\n"
    "  rd_super_deduction: {2016-05-15: 1.0}\n"
    "  rd_super_deduction_tech_sme: {default: {2015: 0.8}, gamma: {2016Q3: 1.2}, beta: 0.9}\n"
    "  hnte_tax_rate: {default: 0.12, beta: 0.2}\n"
    "  rd_deduction_takeup: {alpha: {2015: 0.7, 2017Q2: 0.9}}\n"
    "  hnte:\n"
    "    rd_intensity_small: 0.055\n"
    "    status_quarters: 8\n"
    "tax:\n"
    "  small_profit:\n"
    "    rate_low: {2014: 0.1, 2016-07-01: 0.08, 2018-11-30: 0.06}\n"
    "world:\n"
    "  initial_firms: {beta: 90}\n"
    "  initial_output: {default: 0, gamma: 2.5e10}\n"
    "market:\n"
    "  demand_elasticity: {default: 2.5, alpha: 3.25}\n"
    "  demand_volatility: {2015: 0.05}\n"
    "firm:\n"
    "  depreciation: 0.0275\n"
    "  exit_loss_quarters: 6\n"
    "goals:\n"
    "  output_mark: 5e10\n"
    "  g1: {target: 2, deadline: 2016-03-31}\n";

TEST_F(ScenarioLoad, ResolvedYamlRoundTripThroughAFile) {
  const sim::Scenario original = load(write("rich.yaml", kRichScenario));
  const std::string resolved = original.resolved_yaml();
  const sim::Scenario again = load(write("resolved.yaml", resolved));
  EXPECT_EQ(differences(original, again), "") << resolved;
  EXPECT_EQ(again.resolved_yaml(), resolved);
  EXPECT_EQ(again.name(), "rich");
  EXPECT_EQ(again.text("description"),
            "Every form of value: schedules, per-cluster values, dates (山东, \"quoted\", #1).");
  EXPECT_EQ(again.date("run.start"), (sim::Date{2014, 2, 15}));
  EXPECT_EQ(again.date("goals.g1.deadline"), (sim::Date{2016, 3, 31}));
  EXPECT_EQ(again.seed(), 123456789012u);
}

TEST_F(ScenarioLoad, ResolvedYamlRoundTripThroughFromYaml) {
  const sim::Scenario original = load(write("rich.yaml", kRichScenario));
  const std::string resolved = original.resolved_yaml();
  const sim::Scenario again = sim::Scenario::from_yaml(resolved, "<resolved>", schema());
  EXPECT_EQ(differences(original, again), "") << resolved;
  EXPECT_EQ(again.resolved_yaml(), resolved);
}

TEST_F(ScenarioLoad, ResolvedYamlRoundTripWithOverridesAndExtends) {
  write("parent.yaml", kRichScenario);
  const std::string child = write("child.yaml",
                                  "extends: parent.yaml\n"
                                  "policy:\n"
                                  "  hnte_tax_rate: {2017-08-20: 0.1}\n");
  const sim::Scenario original = load(child, {"tax.standard_rate={2018: 0.2}"});
  const std::string resolved = original.resolved_yaml();
  const sim::Scenario again = load(write("resolved.yaml", resolved));
  EXPECT_EQ(differences(original, again), "") << resolved;
  EXPECT_EQ(again.resolved_yaml(), resolved);
  EXPECT_EQ(again.number("tax.standard_rate", q("2018Q1"), kBeta), 0.2);
  EXPECT_EQ(again.number("policy.hnte_tax_rate", q("2017Q4"), kBeta), 0.1);
}

TEST_F(ScenarioLoad, ResolvedYamlRoundTripOfThePlanScenario) {
  const sim::Scenario original =
      load(std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml");
  const std::string resolved = original.resolved_yaml();
  const sim::Scenario again = load(write("resolved.yaml", resolved));
  EXPECT_EQ(differences(original, again), "") << resolved;
  EXPECT_EQ(again.resolved_yaml(), resolved);
  EXPECT_EQ(again.name(), "shandong-2015");
}

// A folder's name may hold any bytes but '/' and NUL, and a catalogue any text: yaml-cpp's
// emitter would write bytes that are not UTF-8 (and noncharacters such as U+FFFE) as U+FFFD, so
// such a scenario's resolved YAML used to load back with other paths (a sweep in such a folder
// then failed at its first point) or not at all. They are written as !!binary instead.
TEST_F(ScenarioLoad, ResolvedYamlKeepsBytesThatAreNotUtf8) {
  const std::string folder = "x\xff\xfe";
  const std::string id = "gam\xffma";
  // The test world with gamma renamed, and a fourth cluster `~` (gamma's copy), an id that
  // yaml-cpp writes as a plain key that reads back as null.
  auto with_new_ids = [&](const std::string& file) {
    std::ifstream in(test_data(file), std::ios::binary);
    std::string rows, line;
    while (std::getline(in, line)) {
      if (line.rfind("gamma,", 0) != 0) {
        rows += line + "\n";
      } else {
        rows += id + line.substr(5) + "\n" + "~" + line.substr(5) + "\n";
      }
    }
    return rows;
  };
  write(folder + "/data/clusters.csv", with_new_ids("clusters.csv"));
  write(folder + "/data/initial-state.csv", with_new_ids("initial-state.csv"));
  const std::string file = write(folder + "/scenario.yaml",
                                 "name: \"n\xc0\"\n"
                                 "description: \"\xef\xbf\xbe and \xed\xa0\x80\"\n"
                                 "world:\n"
                                 "  clusters_file: data/clusters.csv\n"
                                 "  initial_state_file: data/initial-state.csv\n"
                                 "policy:\n"
                                 "  hnte_tax_rate: {default: 0.12, \"" +
                                     id + "\": 0.2, \"~\": 0.1}\n");
  const sim::Scenario original = load(file);
  EXPECT_EQ(original.path("world.clusters_file"), path(folder + "/data/clusters.csv"));
  const std::string resolved = original.resolved_yaml();
  EXPECT_EQ(resolved.find("\xef\xbf\xbd"), std::string::npos) << resolved;  // U+FFFD
  EXPECT_NE(resolved.find("!!binary"), std::string::npos) << resolved;
  const sim::Scenario again = sim::Scenario::from_yaml(resolved, "<resolved>", schema());
  EXPECT_EQ(differences(original, again), "") << resolved;
  EXPECT_EQ(again.resolved_yaml(), resolved);
  EXPECT_EQ(again.path("world.clusters_file"), path(folder + "/data/clusters.csv"));
  EXPECT_EQ(again.text("name"), "n\xc0");
  EXPECT_EQ(again.text("description"), "\xef\xbf\xbe and \xed\xa0\x80");
  EXPECT_EQ(again.number("policy.hnte_tax_rate", q("2015Q1"), kGamma), 0.2);
  EXPECT_EQ(again.number("policy.hnte_tax_rate", q("2015Q1"), 3), 0.1);
}

TEST_F(ScenarioLoad, BinaryTextIsReadAsItsBytes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bv9j",
       "n\xff"
       "c"},
      {"bQ==", "m"},
      {"bWE=", "ma"},
      {"bW Fu\n  ", "man"},  // whitespace is ignored
      {"", ""},
  };
  for (const auto& [base64, text] : cases) {
    EXPECT_EQ(load_text("name: !!binary \"" + base64 + "\"\n").text("name"), text) << base64;
  }
  // Not base64: another character, a lone digit, padding in the middle or too much of it, and
  // bytes above 127, which yaml-cpp's own decoder read out of its table's bounds (set_fuzz).
  for (const std::string base64 : {"not base64!", "bWFub", "bQ==bQ==", "bQ===", "b\xff\xff\xff"}) {
    try {
      load_text("name: !!binary \"" + base64 + "\"\n");
      ADD_FAILURE() << base64 << " was read";
    } catch (const sim::InputError& e) {
      EXPECT_EQ(e.key(), "name");
      EXPECT_NE(std::string(e.what()).find("not base64"), std::string::npos) << e.what();
    }
  }
}

TEST_F(ScenarioLoad, ResolvedYamlNamesEverySetting) {
  const sim::Scenario sc = load(write("rich.yaml", kRichScenario));
  const std::string resolved = sc.resolved_yaml();
  for (const auto& s : schema().settings()) {
    const std::string last = s.key.substr(s.key.rfind('.') + 1);
    EXPECT_NE(resolved.find(last + ":"), std::string::npos) << s.key << " missing from\n"
                                                            << resolved;
  }
}

// --- the schema --------------------------------------------------------------------------------

TEST(ScenarioSchema, MarkdownListsEveryKey) {
  const std::string md = schema().markdown();
  EXPECT_EQ(md.rfind("| key | type | unit | range | default | varies by | description |\n", 0), 0u);
  ASSERT_FALSE(schema().settings().empty());
  for (const auto& s : schema().settings()) {
    EXPECT_NE(md.find("| `" + s.key + "` |"), std::string::npos) << s.key;
  }
  EXPECT_NE(md.find("| `policy.hnte_tax_rate` | number | 1 | [0, 1] | `0.15` | date, cluster |"),
            std::string::npos);
  EXPECT_NE(md.find("| `run.replicates` | integer | runs | [1, 100000] | `32` |  |"),
            std::string::npos);
}

TEST(ScenarioSchema, Suggest) {
  EXPECT_EQ(schema().suggest("polcy"), std::optional<std::string>("policy"));
  EXPECT_EQ(schema().suggest("policy.hnte_tax_rat"),
            std::optional<std::string>("policy.hnte_tax_rate"));
  EXPECT_EQ(schema().suggest("run.replicate"), std::optional<std::string>("run.replicates"));
  EXPECT_EQ(schema().suggest("tax.small_proft.ceiling"),
            std::optional<std::string>("tax.small_profit.ceiling"));
  EXPECT_EQ(schema().suggest("completely_unrelated_thing"), std::nullopt);
}

TEST(ScenarioSchema, FindAndGroups) {
  ASSERT_NE(schema().find("policy.hnte_tax_rate"), nullptr);
  EXPECT_TRUE(schema().find("policy.hnte_tax_rate")->by_date);
  EXPECT_TRUE(schema().find("policy.hnte_tax_rate")->by_cluster);
  EXPECT_FALSE(schema().find("run.replicates")->by_date);
  EXPECT_EQ(schema().find("policy"), nullptr);
  EXPECT_TRUE(schema().is_group("policy"));
  EXPECT_TRUE(schema().is_group("policy.hnte"));
  EXPECT_FALSE(schema().is_group("policy.hnte_tax_rate"));
  EXPECT_FALSE(schema().is_group("polic"));
}

}  // namespace
