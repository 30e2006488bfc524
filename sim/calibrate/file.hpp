// Calibration files: a base scenario, the parameters to fit with their priors, the observations
// with their uncertainties and how each maps to an outcome of the model, extra targets (rates,
// stylized facts) with their own values, and the method's settings and seed. Read and checked
// with the same rules and errors as scenarios and sweeps; layout in scenarios/README.md
// ("Calibrations").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/calibrate/abc.hpp"
#include "sim/config/config_tree.hpp"
#include "sim/run/model.hpp"

namespace sim {

struct CalibrationParameter {
  std::string key;  // a number setting of the schema
  abc::Prior prior;
};

// One quantity the model is fitted to: an outcome expression (sim/analysis/outcome.hpp), the
// value it should have and its standard error.
struct CalibrationTarget {
  std::string name;        // "rd_spend 2016/2014", "exit_rate_2016"
  std::string expression;  // over the model's metrics
  double observed = 0.0;
  double se = 0.0;  // standard error of `observed`, in its units
  std::string source;
  Location where;  // the CSV row or YAML entry it came from
  // Held out of the fit (observations after `until`, or `held_out: true`): computed for every
  // particle and reported against the posterior's band, but not part of the distance.
  bool held_out = false;
};

// A row of the observations the calibration leaves out, and why (a year outside the run, or a
// series the file excludes): reported, never dropped silently.
struct SkippedObservation {
  std::string series;
  int year = 0;
  std::string reason;
};

struct CalibrationMethod {
  std::size_t population = 200;  // particles per generation
  double quantile = 0.5;         // the next tolerance: this quantile of the distances
  double tolerance = 1.0;        // stop when a generation's tolerance is at or below this
  double min_acceptance = 0.02;  // stop when a generation accepts less of its proposals
  std::size_t max_generations = 8;
  std::size_t max_runs = 20000;  // budget of model runs, pilot included
  std::size_t pilot_runs = 16;   // runs at the priors' medians for the model's own spread
  std::size_t max_moves = 10;    // MCMC move rounds per generation, at most
};

struct CalibrationDefinition {
  std::string path, text;     // the calibration file as given, and its text
  std::string base_path;      // absolute
  std::string base_resolved;  // the base with `set:` and run.replicates = `replicates:`
  int replicates = 1;         // runs per particle; its targets are their means
  std::uint64_t seed = 0;
  std::vector<CalibrationParameter> parameters;
  std::vector<CalibrationTarget> targets;
  std::vector<SkippedObservation> skipped;
  std::string observations_path, observations_text;  // the CSV, absolute, and its bytes
  CalibrationMethod method;
  std::vector<std::string> metrics;  // the metrics the targets read, in the model's order
  bool facts = false;                // a target reads a stylized fact: runs record them
  std::uint64_t fingerprint = 0;     // of everything that decides the posterior
};

// Reads and checks a calibration file; InputError (file, line, column, key) for bad YAML, an
// unknown key, a parameter not in the schema or not a number setting, a prior outside the
// setting's range, a bad observation (no mapping, NaN or negative uncertainty, unknown
// confidence flag), an expression naming an unknown metric or a year outside the run, a base
// scenario that fails validation, or a population too large for memory.
CalibrationDefinition load_calibration(const std::string& path, const Model& model);

// The relative standard error of an observation by its confidence flag (H, M or L; "H/M" takes
// the larger), when the observations give no `se`: 5%, 10% and 20%.
double relative_se_of_flag(const std::string& flag);

}  // namespace sim
