// Sweep files: a base scenario, replicates per point, and the settings to vary (grid, list,
// latin_hypercube or saltelli), read and checked with the same rules and errors as scenarios.
// The layout is documented in scenarios/README.md ("Sweeps").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/run/model.hpp"

namespace sim {

enum class SweepMethod { Grid, List, LatinHypercube, Saltelli };

// A sweep is read and every point checked before anything runs; beyond this many points (or a
// saltelli design's base samples) the design is more likely a mistake than a plan (and the
// up-front checks alone take minutes).
inline constexpr std::size_t kMaxSweepPoints = 100000;

// "grid", "list", "latin_hypercube", "saltelli": the key under `vary:` and the file attribute.
std::string method_name(SweepMethod method);

struct SweepDefinition {
  std::string path;       // the sweep file as given
  std::string text;       // its text, byte for byte
  std::string base_path;  // the base scenario, absolute
  // The base scenario's resolved YAML with `set:` and run.replicates (the sweep's
  // `replicates:`) applied: what every point starts from.
  std::string base_resolved;
  int replicates = 0;            // per point
  std::vector<std::string> set;  // `set:` as "key=value" overrides, in file order
  SweepMethod method = SweepMethod::Grid;
  std::vector<std::string> settings;  // the varied settings, in design column order
  // Their schema types, for point_overrides to write booleans as true/false (point_scenario
  // takes them from the schema, so a definition read back from a file may leave this empty).
  std::vector<SettingType> setting_types;
  std::vector<std::vector<double>> points;  // points[point][setting]: the design matrix
  std::size_t base_samples = 0;             // saltelli: N (points = N * (D + 2)); else 0
  std::vector<std::string> metrics;         // `output: metrics:` subset, in file order; empty = all
  // Also record each run's stylized facts (Model::facts, from snapshots at Model::fact_steps):
  // a calibration sets it when a target reads fact(NAME).
  bool facts = false;
  // FNV-1a 64 of everything that decides the results: the base's resolved YAML, the method, the
  // settings, the design matrix (exact bits), the replicates and the metrics written.
  std::uint64_t fingerprint = 0;
};

// FNV-1a of what makes a sweep's runs what they are: the resolved base, the method, the settings,
// the design's points, the replicates and the metrics written. Stored in the manifest and in
// every run file, so that runs of another sweep are never mixed in.
std::uint64_t fingerprint_of(const SweepDefinition& sweep);

// Reads and checks a sweep file. Throws InputError (file, line, column, key) for bad YAML, an
// unknown key (with a suggestion), a missing or bad base scenario, a varied setting that is not
// a number, integer or boolean of the schema (or is a run.* setting), a value or range outside
// the setting's own range, a method's missing or bad parameters, more than one method, an
// unknown metric, a base that asks for firm snapshots, or any point whose scenario does not
// validate (the point's overrides named). Integers are rounded to the nearest whole value in
// latin_hypercube and saltelli designs.
SweepDefinition load_sweep(const std::string& path, const Model& model);

// The "key=value" overrides (values as %.17g, exact) that make point `point`'s scenario from
// base_resolved: one per varied setting, in design column order.
std::vector<std::string> point_overrides(const SweepDefinition& sweep, std::size_t point);

// The validated scenario of one point: base_resolved with the point's overrides, its errors
// naming the sweep file.
Scenario point_scenario(const SweepDefinition& sweep, std::size_t point, const Model& model);

}  // namespace sim
