// Sensitivity of a sweep result file: reading its design and table from a synthetic file laid
// out as the sweep writer lays it out, the report, the command, and the file errors.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/analysis/sensitivity.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/io/seal.hpp"

namespace fs = std::filesystem;
namespace h5 = sim::h5;

namespace {

// What the synthetic file holds; each test changes what it needs.
struct SweepSpec {
  std::string method = "saltelli";
  std::vector<std::string> settings = {"policy.a", "policy.b"};
  std::size_t base_samples = 8;
  std::size_t points = 8 * 4;  // base_samples * (settings + 2)
  // The design-point dimension: "point", or "run" as sweep schema 1.2 and older named it.
  std::string point_dimension = "point";
  std::size_t replicates = 2, steps = 4, clusters = 2;
  std::size_t metric_clusters = 2;  // a different value writes a metric of the wrong shape
  bool time_labels = true;
  bool sweep_attributes = true;
  bool metrics = true;  // false: no /metrics group
  // The metric's kind and units attributes (none written when empty).
  std::string output_kind = "flow";
  std::string output_units;
  // output[point][replicate][step][cluster] from the point's unit-cube settings (x1, x2).
  std::function<double(double, double, std::size_t)> output = [](double x1, double x2,
                                                                 std::size_t replicate) {
    return x1 + 2.0 * x2 + 0.01 * static_cast<double>(replicate);
  };
};

// A variable-length string array attribute, as h5py and the sweep writer store lists.
void write_string_array_attribute(hid_t object, const std::string& name,
                                  const std::vector<std::string>& values) {
  h5::Handle type(h5::check(H5Tcopy(H5T_C_S1), "type"), H5Tclose);
  h5::check(H5Tset_size(type, H5T_VARIABLE), "size");
  h5::check(H5Tset_cset(type, H5T_CSET_UTF8), "cset");
  const hsize_t n = values.size();
  h5::Handle space(h5::check(H5Screate_simple(1, &n, nullptr), "space"), H5Sclose);
  h5::Handle attr(
      h5::check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "attr"),
      H5Aclose);
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  h5::check(H5Awrite(attr, type, pointers.data()), "write");
}

void write_sweep(const std::string& path, const SweepSpec& spec) {
  const std::size_t factors = spec.settings.size();
  const std::vector<double> design =
      sim::saltelli_design(std::max<std::size_t>(factors, 1), spec.base_samples);
  h5::Handle file = h5::create_file(path);
  h5::write_attribute(file, "filetype", std::string("clustersim-result"));
  h5::write_attribute(file, "schema_version", std::vector<std::int64_t>{1, 1});
  h5::write_attribute(file, "replicates", static_cast<std::int64_t>(spec.replicates));
  if (spec.sweep_attributes) {
    h5::write_attribute(file, "sweep_method", spec.method);
    write_string_array_attribute(file, "sweep_settings", spec.settings);
    if (spec.method == "saltelli") {
      h5::write_attribute(file, "sweep_base_samples", static_cast<std::int64_t>(spec.base_samples));
    }
  }
  const auto dimension = [&](const std::string& name, std::size_t n) {
    std::vector<std::int64_t> index(n);
    for (std::size_t i = 0; i < n; ++i) index[i] = static_cast<std::int64_t>(i);
    h5::Handle ds = h5::write_ints(file, name, {n}, index.data());
    h5::make_dimension(ds, name);
  };
  dimension(spec.point_dimension, spec.points);
  dimension("replicate", spec.replicates);
  std::vector<double> years;
  std::vector<std::string> labels;
  for (std::size_t t = 0; t < spec.steps; ++t) {
    years.push_back(2020.25 + 0.25 * static_cast<double>(t));
    labels.push_back("2020Q" + std::to_string(t + 1));
  }
  h5::make_dimension(h5::write_doubles(file, "time", {spec.steps}, years.data()), "time");
  h5::make_dimension(h5::write_strings(file, "cluster", {"alpha", "beta"}), "cluster");
  h5::make_dimension(h5::write_strings(file, "goal", {"G1"}), "goal");
  h5::Handle coords = h5::create_group(file, "coords");
  if (spec.time_labels) h5::write_strings(coords, "time_label", labels);
  h5::Handle point_coords = h5::create_group(coords, spec.point_dimension);
  for (std::size_t i = 0; i < factors; ++i) {
    std::vector<double> column;
    for (std::size_t run = 0; run < spec.points; ++run) {
      column.push_back(design[(run * factors + i) % design.size()]);
    }
    h5::write_doubles(point_coords, spec.settings[i], {spec.points}, column.data());
  }
  std::vector<double> output;
  for (std::size_t run = 0; run < spec.points; ++run) {
    const double x1 = design[(run * factors) % design.size()];
    const double x2 = factors > 1 ? design[(run * factors + 1) % design.size()] : 0.0;
    for (std::size_t r = 0; r < spec.replicates; ++r) {
      for (std::size_t v = 0; v < spec.steps * spec.metric_clusters; ++v) {
        output.push_back(spec.output(x1, x2, r));
      }
    }
  }
  if (spec.metrics) {
    h5::Handle metrics = h5::create_group(file, "metrics");
    h5::Handle output_ds = h5::write_doubles(
        metrics, "output", {spec.points, spec.replicates, spec.steps, spec.metric_clusters},
        output.data());
    if (!spec.output_kind.empty()) h5::write_attribute(output_ds, "kind", spec.output_kind);
    if (!spec.output_units.empty()) h5::write_attribute(output_ds, "units", spec.output_units);
  }
  h5::Handle goals = h5::create_group(file, "goals");
  std::vector<std::int8_t> met;
  std::vector<double> value;
  for (std::size_t run = 0; run < spec.points; ++run) {
    for (std::size_t r = 0; r < spec.replicates; ++r) {
      met.push_back(static_cast<std::int8_t>(r == 0 ? run % 2 : 1));
      value.push_back(static_cast<double>(run + r));
    }
  }
  const std::vector<hsize_t> goal_shape{spec.points, 1, spec.replicates};
  h5::write_bytes(goals, "met", goal_shape, met.data());
  h5::write_doubles(goals, "value_at_deadline", goal_shape, value.data());
  h5::write_doubles(goals, "first_met", goal_shape, value.data());
  h5::write_doubles(goals, "cost_to_deadline", goal_shape, value.data());
}

class SweepFile : public ::testing::Test {
 protected:
  void SetUp() override {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // failures are reported as exceptions
    dir_ = fs::temp_directory_path() /
           ("clustersim-sensitivity-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const SweepSpec& spec = {}) {
    const std::string path = (dir_ / "sweep.h5").string();
    write_sweep(path, spec);
    sim::seal_file(path);
    return path;
  }

  fs::path dir_;
};

template <typename F>
std::optional<sim::InputError> error_of(F&& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e;
  }
  return std::nullopt;
}

void expect_file_error(const std::optional<sim::InputError>& e, const std::string& path,
                       const std::string& detail) {
  ASSERT_TRUE(e.has_value()) << "no InputError";
  EXPECT_EQ(e->where().file, path);
  EXPECT_EQ(e->where().line, 0);
  EXPECT_EQ(e->detail(), detail);
}

TEST_F(SweepFile, ReadsTheDesign) {
  const auto design = sim::read_sweep_design(write());
  EXPECT_EQ(design.method, "saltelli");
  EXPECT_EQ(design.settings, (std::vector<std::string>{"policy.a", "policy.b"}));
  EXPECT_EQ(design.base_samples, 8u);
  EXPECT_EQ(design.points, 32u);
}

TEST_F(SweepFile, ReadsTheTableAndItsOutcomes) {
  const std::string path = write();
  const sim::SweepTable table = sim::read_sweep_table(path);
  EXPECT_EQ(table.points, 32u);
  EXPECT_EQ(table.replicates, 2u);
  EXPECT_EQ(table.steps, 4u);
  EXPECT_EQ(table.clusters, 2u);
  EXPECT_EQ(table.time_labels, (std::vector<std::string>{"2020Q1", "2020Q2", "2020Q3", "2020Q4"}));
  EXPECT_EQ(table.goal_ids, (std::vector<std::string>{"G1"}));
  EXPECT_EQ(table.metric_names, (std::vector<std::string>{"output"}));

  const auto design = sim::saltelli_design(2, 8);
  const auto quarter = sim::evaluate_outcome("sum(output, 2020Q4)", table);
  const auto share = sim::evaluate_outcome("G1", table);
  const auto value = sim::evaluate_outcome("G1.value", table);
  ASSERT_EQ(quarter.size(), 32u);
  for (std::size_t point = 0; point < 32; ++point) {
    // Two clusters of x1 + 2 x2 + 0.01 replicate, averaged over replicates 0 and 1.
    EXPECT_NEAR(quarter[point], 2.0 * (design[2 * point] + 2.0 * design[2 * point + 1]) + 0.01,
                1e-12);
    EXPECT_EQ(share[point], point % 2 == 1 ? 1.0 : 0.5);
    EXPECT_EQ(value[point], static_cast<double>(point) + 0.5);
  }
  expect_file_error(error_of([&] { table.metric("nothing"); }), path,
                    "no metric 'nothing'; metrics are output");
}

// Sweep schema 1.2 and older named the design-point dimension "run" (/run, /coords/run).
TEST_F(SweepFile, AnOlderFilesRunDimensionIsItsPoints) {
  SweepSpec old;
  old.point_dimension = "run";
  const std::string path = write(old);
  EXPECT_EQ(sim::read_sweep_design(path).points, 32u);
  const sim::SweepTable table = sim::read_sweep_table(path);
  EXPECT_EQ(table.points, 32u);
  const auto old_values = sim::evaluate_outcome("sum(output, 2020Q4)", table);
  // write() puts the current layout at the same path.
  const auto values = sim::evaluate_outcome("sum(output, 2020Q4)", sim::read_sweep_table(write()));
  EXPECT_EQ(old_values, values);
}

TEST_F(SweepFile, ReportRanksByTotalIndex) {
  const std::string path = write();
  const auto y = sim::evaluate_outcome("sum(output, 2020Q4)", sim::read_sweep_table(path));
  const auto result = sim::sobol_indices(y, 2, 8, 100, 0.9, 0);
  const std::string text =
      sim::sensitivity_report({"policy.a", "policy.b"}, result, "sum(output, 2020Q4)", false);
  EXPECT_NE(text.find("Sobol indices of 'sum(output, 2020Q4)' over a saltelli sweep of 8 base "
                      "samples (32 points)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("variance of the outcome: "), std::string::npos);
  EXPECT_NE(text.find("90% bootstrap percentile intervals from 100 resamples (seed 0)"),
            std::string::npos);
  // x2 carries 4/5 of the variance of x1 + 2 x2.
  EXPECT_LT(text.find("policy.b  "), text.find("policy.a  ")) << text;

  const std::string json =
      sim::sensitivity_report({"policy.a", "policy.b"}, result, "sum(output, 2020Q4)", true);
  const auto parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["outcome"], "sum(output, 2020Q4)") << json;
  EXPECT_EQ(parsed["base_samples"], 8);
  EXPECT_EQ(parsed["points"], 32);
  EXPECT_TRUE(parsed["variance"].is_number());
  EXPECT_EQ(parsed["bootstrap"], 100);
  EXPECT_EQ(parsed["confidence"], 0.9);
  // Ranked by total index: policy.b first.
  ASSERT_EQ(parsed["settings"].size(), 2U);
  EXPECT_EQ(parsed["settings"][0]["setting"], "policy.b");
  EXPECT_EQ(parsed["settings"][1]["setting"], "policy.a");
  for (const char* field : {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"}) {
    EXPECT_TRUE(parsed["settings"][0][field].is_number()) << field;
  }
  EXPECT_EQ(json.back(), '\n');
  EXPECT_EQ(json.find("nan"), std::string::npos);
}

TEST_F(SweepFile, JsonEscapesTextAndWritesNullForMissingIntervals) {
  const auto y = sim::evaluate_outcome("sum(output)", sim::read_sweep_table(write()));
  const auto result = sim::sobol_indices(y, 2, 8, 0, 0.95, 0);
  const std::string json = sim::sensitivity_report({"a\"b", "c\\d\n"}, result, "say \"hi\"", true);
  const auto parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["outcome"], "say \"hi\"") << json;
  std::set<std::string> settings;
  for (const auto& s : parsed["settings"]) settings.insert(s["setting"].get<std::string>());
  EXPECT_EQ(settings, (std::set<std::string>{"a\"b", "c\\d\n"}));
  EXPECT_TRUE(parsed["settings"][0]["S1_low"].is_null());
  EXPECT_THROW(sim::sensitivity_report({"only one"}, result, "x", false), std::invalid_argument);
}

TEST_F(SweepFile, AnalysisPrintsTheReport) {
  const std::string path = write();
  const auto result = sim::sensitivity_of(path, {"G1.value", 50, 0.95, 7});
  const std::string out =
      sim::sensitivity_report(result.design.settings, result.indices, "G1.value", false);
  EXPECT_NE(out.find("Sobol indices of 'G1.value'"), std::string::npos) << out;
  EXPECT_NE(out.find("(seed 7)"), std::string::npos) << out;
}

TEST_F(SweepFile, AnalysisRefusesOtherDesignsAndBadOutcomes) {
  SweepSpec grid;
  grid.method = "grid";
  std::string path = write(grid);
  expect_file_error(error_of([&] {
                      sim::sensitivity_of(path, {"G1", 10, 0.95, 0});
                    }),
                    path,
                    "not a saltelli sweep (its method is 'grid'): Sobol indices need the points of "
                    "a Saltelli design");

  path = write();
  const auto bad_outcome = error_of([&] {
    sim::sensitivity_of(path, {"sum(nothing)", 10, 0.95, 0});
  });
  ASSERT_TRUE(bad_outcome.has_value());
  EXPECT_EQ(bad_outcome->where().file, "--outcome");
  EXPECT_EQ(bad_outcome->where().column, 5);

  const auto confidence = error_of([&] { sim::sensitivity_of(path, {"G1", 10, 1.5, 0}); });
  ASSERT_TRUE(confidence.has_value());
  EXPECT_EQ(confidence->key(), "--confidence");

  SweepSpec flat;
  flat.output = [](double, double, std::size_t) { return 3.0; };
  path = write(flat);
  expect_file_error(
      error_of([&] {
        sim::sensitivity_of(path, {"sum(output)", 10, 0.95, 0});
      }),
      path,
      "'sum(output)': the output does not vary over the design's A and B rows, so its Sobol "
      "indices are undefined");

  SweepSpec missing;
  missing.output = [](double x1, double, std::size_t) { return x1 > 0.7 ? NAN : x1; };
  path = write(missing);
  const auto nan = error_of([&] { sim::sensitivity_of(path, {"sum(output)", 10, 0.95, 0}); });
  ASSERT_TRUE(nan.has_value());
  EXPECT_EQ(nan->key(), "--outcome");
  EXPECT_NE(nan->detail().find("'sum(output)' is nan at point "), std::string::npos)
      << nan->detail();
}

TEST_F(SweepFile, FileErrorsSayWhatIsWrong) {
  const std::string text = (dir_ / "text.h5").string();
  std::ofstream(text) << "not hdf5";
  expect_file_error(error_of([&] { sim::read_sweep_design(text); }), text, "not an HDF5 file");
  const std::string none = (dir_ / "none.h5").string();
  expect_file_error(error_of([&] { sim::read_sweep_table(none); }), none, "no such result file");

  SweepSpec single_run;
  single_run.sweep_attributes = false;
  std::string path = write(single_run);
  expect_file_error(error_of([&] { sim::read_sweep_table(path); }), path,
                    "not a sweep result file (no sweep_method attribute or point dimension); "
                    "`clustersim sweep` writes one");

  SweepSpec short_sweep;
  short_sweep.points = 30;
  path = write(short_sweep);
  expect_file_error(error_of([&] { sim::read_sweep_design(path); }), path,
                    "wrong shape: a saltelli sweep of 8 base samples and 2 settings has 32 points, "
                    "the file has 30");

  SweepSpec narrow;
  narrow.metric_clusters = 1;
  path = write(narrow);
  expect_file_error(error_of([&] { sim::read_sweep_table(path); }), path,
                    "/metrics/output has shape [32, 2, 4, 1]; expected [point, replicate, time, "
                    "cluster] = [32, 2, 4, 2]");

  // Found by result_fuzz: with no /metrics a metric's name is not checked when it is parsed,
  // and asking for its kind threw std::out_of_range (exit 1).
  SweepSpec no_metrics;
  no_metrics.metrics = false;
  path = write(no_metrics);
  expect_file_error(error_of([&] {
                      sim::sensitivity_of(path, {"sum(output)", 10, 0.95, 0});
                    }),
                    path, "no metric 'output'; the file holds no metrics");

  SweepSpec unlabelled;
  unlabelled.time_labels = false;
  path = write(unlabelled);
  expect_file_error(error_of([&] { sim::read_sweep_table(path); }), path,
                    "damaged or incomplete result file (HDF5 failed: open dataset "
                    "coords/time_label)");
}

// A metric's kind decides how sum() adds it up; a file written before kinds existed goes by its
// unit, and a kind nobody knows is refused rather than guessed.
TEST_F(SweepFile, AMetricsKindComesFromItsAttributeOrItsUnit) {
  SweepSpec annual;
  annual.output_kind = "annual_rate";
  const auto rate = sim::evaluate_outcome("sum(output)", sim::read_sweep_table(write(annual)));
  const auto flow = sim::evaluate_outcome("sum(output)", sim::read_sweep_table(write()));
  ASSERT_EQ(rate.size(), flow.size());
  for (std::size_t i = 0; i < rate.size(); ++i) EXPECT_EQ(rate[i] * 4, flow[i]);

  SweepSpec older;
  older.output_kind.clear();
  older.output_units = "yuan/year";
  EXPECT_EQ(sim::evaluate_outcome("sum(output)", sim::read_sweep_table(write(older))), rate);
  older.output_units = "firms";
  const auto stock =
      error_of([&] { sim::evaluate_outcome("sum(output)", sim::read_sweep_table(write(older))); });
  ASSERT_TRUE(stock.has_value());
  EXPECT_NE(stock->detail().find("output is a stock"), std::string::npos) << stock->detail();

  SweepSpec unknown;
  unknown.output_kind = "velocity";
  const std::string path = write(unknown);
  expect_file_error(error_of([&] { sim::read_sweep_table(path); }), path,
                    "/metrics/output has kind 'velocity'; kinds are stock, flow, annual_rate, "
                    "trailing_year and ratio");
}

}  // namespace
