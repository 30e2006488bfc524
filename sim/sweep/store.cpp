#include "sim/sweep/store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <filesystem>

#include "sim/core/checked.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/io/result_file.hpp"
#include "sim/io/seal.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

constexpr const char* kManifestName = "sweep.h5";
constexpr const char* kManifestFiletype = "clustersim-sweep-manifest";
constexpr const char* kRunFiletype = "clustersim-sweep-run";
// Sweep result files add the design-point dimension to the result schema (1.1), each metric's
// kind (1.2), and name that dimension "point" (1.3; it was "run", which elsewhere means one
// point x replicate).
constexpr int kSweepSchemaMinor = 3;

// The Debian HDF5 library is not built thread-safe: every call from the sweep's worker threads
// goes through this lock (runs are seconds long, their files small, so it never contends much).
std::mutex& hdf5_lock() {
  static std::mutex lock;
  return lock;
}

std::string fingerprint_text(std::uint64_t fingerprint) {
  return fmt::format("{:016x}", fingerprint);
}

std::string run_file_name(std::size_t point, std::size_t replicate) {
  return fmt::format("run-{}-{}.h5", point, replicate);
}

// The (point, replicate) of a run file's name, or false for any other name: only the name
// run_file_name writes, so "run-+0-0.h5" or "run-00-0.h5" is not taken for run-0-0.h5.
bool parse_run_file_name(const std::string& name, std::size_t& point, std::size_t& replicate) {
  const std::string_view prefix = "run-", suffix = ".h5";
  std::string_view text(name);
  if (!text.starts_with(prefix) || !text.ends_with(suffix)) return false;
  text = text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) return false;
  const auto p = parse_whole<std::size_t>(text.substr(0, dash));
  const auto r = parse_whole<std::size_t>(text.substr(dash + 1));
  if (!p || !r || run_file_name(*p, *r) != name) return false;
  point = *p;
  replicate = *r;
  return true;
}

std::string string_attribute_or_empty(hid_t object, const std::string& name) {
  return H5Aexists(object, name.c_str()) > 0 ? h5::read_string_attribute(object, name)
                                             : std::string();
}

std::int64_t int_attribute(hid_t object, const std::string& name) {
  const auto values = h5::read_int_attribute(object, name);
  if (values.size() != 1) throw std::runtime_error("attribute " + name + " is not one integer");
  return values[0];
}

std::vector<std::string> strings_or_none(hid_t parent, const std::string& name) {
  return h5::exists(parent, name) ? h5::read_strings(h5::open_dataset(parent, name))
                                  : std::vector<std::string>{};
}

void write_strings_if_any(hid_t parent, const std::string& name,
                          const std::vector<std::string>& values) {
  if (!values.empty()) h5::write_strings(parent, name, values);
}

// Runs an HDF5 reading step on `path`, turning library failures into an InputError that says
// the file is damaged.
template <typename F>
auto reading(const std::string& path, F&& read) {
  try {
    return read();
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError({path, 0, 0}, "", fmt::format("damaged or incomplete file ({})", e.what()));
  }
}

// --- manifest ----------------------------------------------------------------------------------

void write_manifest(const std::string& path, const SweepDefinition& sweep) {
  write_atomically(path, [&](const std::string& temporary) {
    h5::Handle file = h5::create_file(temporary);
    h5::write_attribute(file, "filetype", std::string(kManifestFiletype));
    h5::write_attribute(file, "fingerprint", fingerprint_text(sweep.fingerprint));
    h5::write_attribute(file, "build", build_id());
    h5::write_attribute(file, "method", method_name(sweep.method));
    h5::write_attribute(file, "replicates", static_cast<std::int64_t>(sweep.replicates));
    h5::write_attribute(file, "base_samples", static_cast<std::int64_t>(sweep.base_samples));
    h5::write_strings(file, "sweep_path", {fs::absolute(sweep.path).lexically_normal().string()},
                      true);
    h5::write_strings(file, "definition", {sweep.text}, true);
    h5::write_strings(file, "base_path", {sweep.base_path}, true);
    h5::write_strings(file, "base_resolved", {sweep.base_resolved}, true);
    write_strings_if_any(file, "settings", sweep.settings);
    write_strings_if_any(file, "set", sweep.set);
    write_strings_if_any(file, "metrics", sweep.metrics);
    h5::write_attribute(file, "facts", static_cast<std::int64_t>(sweep.facts ? 1 : 0));
    std::vector<double> design;
    for (const auto& point : sweep.points) design.insert(design.end(), point.begin(), point.end());
    h5::write_doubles(file, "design", {sweep.points.size(), sweep.settings.size()}, design.data());
    h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush manifest");
  });
}

// The manifest's replicates, range-checked before the cast to int: 2^32 + 1 would become 1.
int replicates(hid_t file, const std::string& path) {
  const std::int64_t n = int_attribute(file, "replicates");
  if (n < 1 || n > kMaxReplicates) {
    throw InputError(
        {path, 0, 0}, "",
        fmt::format("its replicates attribute is {}; a sweep has 1 to {}", n, kMaxReplicates));
  }
  return static_cast<int>(n);
}

// The manifest's base samples: none (0) or as many as a sweep file may ask for. The fingerprint
// does not cover them, and a negative number cast to std::size_t would be huge.
std::size_t base_samples(hid_t file, const std::string& path) {
  const std::int64_t n = int_attribute(file, "base_samples");
  if (n < 0 || static_cast<std::uint64_t>(n) > kMaxSweepPoints) {
    throw InputError(
        {path, 0, 0}, "",
        fmt::format("its base_samples attribute is {}; a sweep has 0 to {}", n, kMaxSweepPoints));
  }
  return static_cast<std::size_t>(n);
}

// The manifest's fingerprint as written by fingerprint_text, whole: std::stoull took a prefix
// ("...x" passed) and a sign.
std::uint64_t fingerprint_number(const std::string& text, const std::string& path) {
  const std::optional<std::uint64_t> n = parse_whole<std::uint64_t>(text, 16);
  if (!n || fingerprint_text(*n) != text) {
    throw InputError(
        {path, 0, 0}, "",
        fmt::format("its fingerprint attribute '{}' is not 16 hexadecimal digits", text));
  }
  return *n;
}

// Fingerprint and build of a manifest, checked to be one.
std::pair<std::string, std::string> manifest_identity(hid_t file, const std::string& path) {
  if (string_attribute_or_empty(file, "filetype") != kManifestFiletype) {
    throw InputError({path, 0, 0}, "", "not a clustersim sweep manifest");
  }
  return {h5::read_string_attribute(file, "fingerprint"), h5::read_string_attribute(file, "build")};
}

void check_build(const std::string& build, const std::string& path) {
  if (build != build_id()) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("was written by another build ({}); this is {}. Runs of "
                                 "different builds are not mixed: use that build, or remove the "
                                 "folder to start again",
                                 build, build_id()));
  }
}

// --- run files ---------------------------------------------------------------------------------

void write_run_contents(const std::string& path, const SweepDefinition& sweep, std::size_t point,
                        std::size_t replicate, const RunResult& run) {
  h5::Handle file = h5::create_file(path);
  h5::write_attribute(file, "filetype", std::string(kRunFiletype));
  h5::write_attribute(file, "fingerprint", fingerprint_text(sweep.fingerprint));
  h5::write_attribute(file, "build", build_id());
  h5::write_attribute(file, "point", static_cast<std::int64_t>(point));
  h5::write_attribute(file, "replicate", static_cast<std::int64_t>(replicate));
  const MetricsArray& m = run.metrics;
  h5::write_doubles(file, "metrics", {m.metrics(), m.steps(), m.clusters()}, m.metric(0));
  if (sweep.facts) h5::write_doubles(file, "facts", {run.facts.size()}, run.facts.data());
  const GoalResults& g = run.goals;
  const auto [ids, descriptions, units, targets, deadlines, unreachable] = goal_columns(g.goals);
  if (ids.empty()) return;
  h5::write_strings(file, "goal_id", ids);
  h5::write_strings(file, "goal_unreachable", unreachable);
  h5::write_strings(file, "goal_description", descriptions);
  h5::write_strings(file, "goal_unit", units);
  const hsize_t n = ids.size();
  h5::write_doubles(file, "goal_target", {n}, targets.data());
  h5::write_doubles(file, "goal_deadline", {n}, deadlines.data());
  h5::write_doubles(file, "value_at_deadline", {n}, g.value_at_deadline.data());
  h5::write_bytes(file, "met", {n}, g.met.data());
  h5::write_doubles(file, "first_met", {n}, g.first_met.data());
  if (!g.cost_to_deadline.empty()) {
    h5::write_doubles(file, "cost_to_deadline", {n}, g.cost_to_deadline.data());
  }
}

// A run file read back: metrics [metric][step][cluster], one replicate's goals, and its facts
// when the sweep records them.
struct StoredRun {
  std::vector<double> metrics;
  GoalResults goals;
  std::vector<double> facts;
};

StoredRun read_run(const std::string& path, const SweepDefinition& sweep, std::size_t point,
                   std::size_t replicate, std::size_t metric_values, std::size_t facts) {
  return reading(path, [&] {
    h5::Handle file = h5::open_file(path);
    if (string_attribute_or_empty(file, "filetype") != kRunFiletype) {
      throw InputError({path, 0, 0}, "", "not a run file of a clustersim sweep");
    }
    if (h5::read_string_attribute(file, "fingerprint") != fingerprint_text(sweep.fingerprint)) {
      throw InputError({path, 0, 0}, "",
                       "belongs to a different sweep (its fingerprint differs from the "
                       "manifest's); remove it or its shard folder");
    }
    check_build(h5::read_string_attribute(file, "build"), path);
    if (int_attribute(file, "point") != static_cast<std::int64_t>(point) ||
        int_attribute(file, "replicate") != static_cast<std::int64_t>(replicate)) {
      throw InputError({path, 0, 0}, "", "holds another run than its name says");
    }
    StoredRun run;
    run.metrics = h5::read_doubles(h5::open_dataset(file, "metrics"));
    if (run.metrics.size() != metric_values) {
      throw InputError({path, 0, 0}, "",
                       fmt::format("/metrics has {} values; the sweep's runs have {}",
                                   run.metrics.size(), metric_values));
    }
    if (sweep.facts) {
      run.facts = h5::read_doubles(h5::open_dataset(file, "facts"));
      if (run.facts.size() != facts) {
        throw InputError(
            {path, 0, 0}, "",
            fmt::format("/facts has {} values; the model has {}", run.facts.size(), facts));
      }
    }
    GoalResults& g = run.goals;
    g.replicates = 1;
    const auto ids = strings_or_none(file, "goal_id");
    if (ids.empty()) return run;
    const auto descriptions = strings_or_none(file, "goal_description");
    const auto units = strings_or_none(file, "goal_unit");
    const auto targets = h5::read_doubles(h5::open_dataset(file, "goal_target"));
    const auto deadlines = h5::read_doubles(h5::open_dataset(file, "goal_deadline"));
    // Run files written before goals said why they were unreachable have none.
    auto unreachable = strings_or_none(file, "goal_unreachable");
    if (unreachable.empty()) unreachable.resize(ids.size());
    g.value_at_deadline = h5::read_doubles(h5::open_dataset(file, "value_at_deadline"));
    g.first_met = h5::read_doubles(h5::open_dataset(file, "first_met"));
    g.met = read_goal_met(file, "met", path);
    if (h5::exists(file, "cost_to_deadline")) {
      g.cost_to_deadline = h5::read_doubles(h5::open_dataset(file, "cost_to_deadline"));
    }
    const std::size_t n = ids.size();
    if (descriptions.size() != n || units.size() != n || targets.size() != n ||
        deadlines.size() != n || unreachable.size() != n || g.value_at_deadline.size() != n ||
        g.first_met.size() != n || g.met.size() != n ||
        (!g.cost_to_deadline.empty() && g.cost_to_deadline.size() != n)) {
      throw InputError({path, 0, 0}, "", "its goal datasets disagree in length");
    }
    for (std::size_t i = 0; i < n; ++i) {
      g.goals.push_back(
          {ids[i], descriptions[i], units[i], targets[i], deadlines[i], unreachable[i]});
    }
    return run;
  });
}

// --- the sweep's result file -------------------------------------------------------------------

// Per-run goal arrays [point][goal][replicate], filled as run files are read.
struct SweepGoals {
  std::vector<GoalDefinition> definitions;
  std::vector<double> value_at_deadline, first_met, cost_to_deadline;
  std::vector<std::int8_t> met;
  bool costed = false;
};

void write_sweep_attributes(hid_t file, const SweepDefinition& sweep, const Scenario& base) {
  h5::write_attribute(file, "scenario_name", base.name());
  h5::write_attribute(file, "scenario_source", sweep.base_path);
  h5::write_attribute(file, "seed", static_cast<std::int64_t>(base.seed()));
  h5::write_attribute(file, "replicates", static_cast<std::int64_t>(sweep.replicates));
  h5::write_attribute(file, "sweep_source", fs::absolute(sweep.path).lexically_normal().string());
  h5::write_attribute(file, "sweep_method", method_name(sweep.method));
  h5::write_attribute(file, "sweep_settings", sweep.settings);
  h5::write_attribute(file, "sweep_points", static_cast<std::int64_t>(sweep.points.size()));
  h5::write_attribute(file, "sweep_base_samples", static_cast<std::int64_t>(sweep.base_samples));
  h5::write_attribute(file, "sweep_fingerprint", fingerprint_text(sweep.fingerprint));
}

// The point dimension and each varied setting's value per design point under /coords/point.
h5::Handle write_point_coordinates(hid_t file, const SweepDefinition& sweep) {
  const std::size_t points = sweep.points.size();
  std::vector<std::int64_t> index(points);
  for (std::size_t p = 0; p < points; ++p) index[p] = static_cast<std::int64_t>(p);
  h5::Handle point = h5::write_ints(file, "point", {points}, index.data());
  h5::make_dimension(point, "point");
  h5::write_attribute(
      point, "description",
      std::string("point of the sweep's design; its settings are in /coords/point"));
  h5::Handle coords = h5::open_group(file, "coords");
  h5::Handle group = h5::create_group(coords, "point");
  for (std::size_t s = 0; s < sweep.settings.size(); ++s) {
    std::vector<double> values(points);
    for (std::size_t p = 0; p < points; ++p) values[p] = sweep.points[p][s];
    h5::Handle ds = h5::write_doubles(group, sweep.settings[s], {points}, values.data());
    h5::attach_dimension(ds, point, 0);
    h5::write_attribute(ds, "description",
                        fmt::format("value of {} at each design point", sweep.settings[s]));
  }
  return point;
}

void write_sweep_goals(hid_t file, const SweepGoals& goals, const SweepDefinition& sweep,
                       hid_t point, hid_t replicate) {
  if (goals.definitions.empty()) return;
  h5::Handle group = h5::create_group(file, "goals");
  h5::Handle goal = write_goal_definitions(file, group, goals.definitions);
  const std::vector<hsize_t> shape{sweep.points.size(), goals.definitions.size(),
                                   static_cast<hsize_t>(sweep.replicates)};
  auto per_run = [&](h5::Handle ds, const std::string& units, const std::string& text) {
    h5::attach_dimension(ds, point, 0);
    h5::attach_dimension(ds, goal, 1);
    h5::attach_dimension(ds, replicate, 2);
    if (!units.empty()) h5::write_attribute(ds, "units", units);
    h5::write_attribute(ds, "description", text);
  };
  per_run(h5::write_doubles(group, "value_at_deadline", shape, goals.value_at_deadline.data()), "",
          "the goal's value at its deadline (NaN if the run ends earlier)");
  per_run(h5::write_bytes(group, "met", shape, goals.met.data()), "",
          "1 met by the deadline, 0 not met, -1 undecided (run ends before the deadline)");
  per_run(h5::write_doubles(group, "first_met", shape, goals.first_met.data()), "year",
          "decimal year (quarter end) when the target is first reached; NaN if never");
  if (goals.costed) {
    per_run(h5::write_doubles(group, "cost_to_deadline", shape, goals.cost_to_deadline.data()),
            "yuan", "public money spent from the run's start to the goal's deadline");
  }
}

// /facts/NAME [point][replicate]: each run's stylized facts.
void write_sweep_facts(hid_t file, const std::vector<MetricInfo>& infos,
                       const std::vector<double>& values, const std::vector<hsize_t>& shape,
                       hid_t point, hid_t replicate) {
  h5::Handle group = h5::create_group(file, "facts");
  const std::size_t block = shape[0] * shape[1];
  for (std::size_t f = 0; f < infos.size(); ++f) {
    h5::Handle ds = h5::write_doubles(group, infos[f].name, shape, values.data() + f * block);
    h5::attach_dimension(ds, point, 0);
    h5::attach_dimension(ds, replicate, 1);
    h5::write_attribute(ds, "units", infos[f].units);
    h5::write_attribute(ds, "description", infos[f].description);
  }
}

// Copies one stored run's goals into the sweep's [point][goal][replicate] arrays, sized for the
// goals of the first run; a run with other goals is refused.
void gather_goals(SweepGoals& out, const GoalResults& g, std::size_t point, std::size_t replicate,
                  std::size_t replicates, const std::string& path) {
  const std::size_t n = g.goals.size();
  if (n != out.definitions.size() || out.costed != !g.cost_to_deadline.empty()) {
    throw InputError({path, 0, 0}, "", "holds other goals than the sweep's first run");
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t at = (point * n + k) * replicates + replicate;
    out.value_at_deadline[at] = g.value_at_deadline[k];
    out.first_met[at] = g.first_met[k];
    out.met[at] = g.met[k];
    if (out.costed) out.cost_to_deadline[at] = g.cost_to_deadline[k];
  }
}

}  // namespace

std::string build_id() {
  return fmt::format("clustersim {} (commit {}, flags {})", clustersim_version(), git_commit(),
                     build_flags());
}

std::string runs_folder_of(const std::string& output) {
  return output + ".d";
}

std::vector<std::size_t> written_metrics(const SweepDefinition& sweep, const Model& model) {
  const auto& infos = model.metrics();
  std::vector<std::size_t> out;
  if (sweep.metrics.empty()) {
    for (std::size_t m = 0; m < infos.size(); ++m) out.push_back(m);
    return out;
  }
  for (const auto& name : sweep.metrics) {
    const auto it = std::find_if(infos.begin(), infos.end(),
                                 [&](const MetricInfo& info) { return info.name == name; });
    if (it == infos.end()) {
      throw InputError({sweep.path, 0, 0}, "output.metrics", "no metric named " + name);
    }
    out.push_back(static_cast<std::size_t>(it - infos.begin()));
  }
  return out;
}

SweepStore::SweepStore(std::string folder, const SweepDefinition& sweep)
    : folder_(std::move(folder)), sweep_(sweep) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (!fs::is_directory(folder_, ec)) {
    throw InputError({folder_, 0, 0}, "",
                     fmt::format("cannot create the folder of finished runs ({})", ec.message()));
  }
  const std::string manifest = (fs::path(folder_) / kManifestName).string();
  const std::lock_guard lock(hdf5_lock());
  if (!fs::exists(manifest, ec)) {
    write_manifest(manifest, sweep);
    return;
  }
  const auto [fingerprint, build] = reading(manifest, [&] {
    h5::Handle file = h5::open_file(manifest);
    return manifest_identity(file, manifest);
  });
  if (fingerprint != fingerprint_text(sweep.fingerprint)) {
    throw InputError({manifest, 0, 0}, "",
                     fmt::format("holds runs of a different sweep than {} (another sweep file, "
                                 "base scenario or design); remove the folder {} to start again, "
                                 "or write to another output",
                                 sweep.path, folder_));
  }
  check_build(build, manifest);
}

SweepDefinition SweepStore::read_manifest(const std::string& folder) {
  const std::string manifest = (fs::path(folder) / kManifestName).string();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw InputError({folder, 0, 0}, "", "no such folder of sweep runs");
  }
  if (!fs::exists(manifest, ec)) {
    throw InputError(
        {folder, 0, 0}, "",
        fmt::format("holds no {}: not the folder of a clustersim sweep's runs", kManifestName));
  }
  const std::lock_guard lock(hdf5_lock());
  return reading(manifest, [&] {
    h5::Handle file = h5::open_file(manifest);
    const auto [fingerprint, build] = manifest_identity(file, manifest);
    check_build(build, manifest);
    SweepDefinition sweep;
    sweep.path = h5::read_strings(h5::open_dataset(file, "sweep_path")).at(0);
    sweep.text = h5::read_strings(h5::open_dataset(file, "definition")).at(0);
    sweep.base_path = h5::read_strings(h5::open_dataset(file, "base_path")).at(0);
    sweep.base_resolved = h5::read_strings(h5::open_dataset(file, "base_resolved")).at(0);
    sweep.replicates = replicates(file, manifest);
    sweep.base_samples = base_samples(file, manifest);
    const std::string method = h5::read_string_attribute(file, "method");
    for (auto m : {SweepMethod::Grid, SweepMethod::List, SweepMethod::LatinHypercube,
                   SweepMethod::Saltelli}) {
      if (method_name(m) == method) sweep.method = m;
    }
    sweep.settings = strings_or_none(file, "settings");
    sweep.set = strings_or_none(file, "set");
    sweep.metrics = strings_or_none(file, "metrics");
    sweep.facts = H5Aexists(file, "facts") > 0 && int_attribute(file, "facts") != 0;
    h5::Handle design = h5::open_dataset(file, "design");
    const auto shape = h5::shape_of(design);
    const auto values = h5::read_doubles(design);
    // The points are cut from `values` by the stated shape, so the two must agree.
    if (shape.size() != 2 || shape[1] != sweep.settings.size() ||
        checked_product(shape) != values.size()) {
      throw InputError({manifest, 0, 0}, "", "the design does not fit the settings");
    }
    for (std::size_t p = 0; p < shape[0]; ++p) {
      sweep.points.emplace_back(values.begin() + static_cast<std::ptrdiff_t>(p * shape[1]),
                                values.begin() + static_cast<std::ptrdiff_t>((p + 1) * shape[1]));
    }
    sweep.fingerprint = fingerprint_number(fingerprint, manifest);
    if (fingerprint_of(sweep) != sweep.fingerprint) {
      throw InputError({manifest, 0, 0}, "",
                       "its sweep (base, design, replicates or metrics) does not match its "
                       "fingerprint: it was changed after clustersim wrote it");
    }
    return sweep;
  });
}

namespace {

// A finished run's file that fails its seal (damaged on disk after it was written) is removed
// with a warning, so that the run is done again rather than failing the assembly at the end.
bool intact_or_removed(const std::string& path) {
  try {
    check_seal(path);
    return true;
  } catch (const InputError& e) {
    std::error_code ec;
    fs::remove(path, ec);
    fmt::print(stderr, "warning: {}; removed, its run will be done again\n", e.what());
    return false;
  }
}

}  // namespace

std::vector<bool> SweepStore::finished() const {
  const auto replicates = static_cast<std::size_t>(sweep_.replicates);
  std::vector<bool> done(sweep_.points.size() * replicates, false);
  for (const auto& sub : fs::directory_iterator(folder_)) {
    if (!sub.is_directory()) continue;
    for (const auto& entry : fs::directory_iterator(sub.path())) {
      std::size_t point = 0, replicate = 0;
      if (!parse_run_file_name(entry.path().filename().string(), point, replicate)) continue;
      if (point >= sweep_.points.size() || replicate >= replicates) continue;
      if (!intact_or_removed(entry.path().string())) continue;
      done[point * replicates + replicate] = true;
    }
  }
  return done;
}

void SweepStore::remove_leftovers(const std::string& subfolder) const {
  const fs::path dir = fs::path(folder_) / subfolder;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
      fs::remove(entry.path(), ec);
    }
  }
}

void SweepStore::write_run(const std::string& subfolder, std::size_t point, std::size_t replicate,
                           const RunResult& run) const {
  const fs::path dir = fs::path(folder_) / subfolder;
  const std::lock_guard lock(hdf5_lock());
  fs::create_directories(dir);
  write_atomically((dir / run_file_name(point, replicate)).string(),
                   [&](const std::string& temporary) {
                     write_run_contents(temporary, sweep_, point, replicate, run);
                   });
}

void SweepStore::assemble(const std::string& output, const Model& model,
                          const std::string& command_line) const {
  const std::size_t points = sweep_.points.size();
  const auto replicates = static_cast<std::size_t>(sweep_.replicates);
  // Where each run's file is (the first found, subfolders in name order).
  std::vector<std::string> where(points * replicates);
  std::vector<fs::path> subfolders;
  for (const auto& sub : fs::directory_iterator(folder_)) {
    if (sub.is_directory()) subfolders.push_back(sub.path());
  }
  std::sort(subfolders.begin(), subfolders.end());
  for (const auto& sub : subfolders) {
    for (const auto& entry : fs::directory_iterator(sub)) {
      std::size_t p = 0, r = 0;
      if (!parse_run_file_name(entry.path().filename().string(), p, r)) continue;
      if (p < points && r < replicates && where[p * replicates + r].empty()) {
        where[p * replicates + r] = entry.path().string();
      }
    }
  }
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < where.size(); ++i) {
    if (where[i].empty()) missing.push_back(run_file_name(i / replicates, i % replicates));
  }
  if (!missing.empty()) {
    const std::size_t shown = std::min<std::size_t>(missing.size(), 8);
    throw InputError(
        {folder_, 0, 0}, "",
        fmt::format("{} of {} runs are missing ({}{}); run the shards that hold them (the same "
                    "sweep command resumes) and merge again",
                    missing.size(), where.size(),
                    fmt::join(missing.begin(), missing.begin() + static_cast<long>(shown), ", "),
                    missing.size() > shown ? ", ..." : ""));
  }

  const Scenario base = point_scenario(sweep_, 0, model);
  const std::vector<std::size_t> metric_index = written_metrics(sweep_, model);
  const auto steps = static_cast<std::size_t>(base.calendar().steps());
  const std::size_t clusters = base.clusters().size();
  const std::size_t block = steps * clusters;
  SweepGoals goals;
  // [fact][point][replicate]
  std::vector<double> facts(sweep_.facts ? model.facts().size() * points * replicates : 0);

  const std::lock_guard lock(hdf5_lock());
  write_atomically(output, [&](const std::string& temporary) {
    h5::Handle file = h5::create_file(temporary);
    write_file_identity(file, kSweepSchemaMinor, command_line);
    write_sweep_attributes(file, sweep_, base);
    h5::write_strings(file, "scenario", {sweep_.base_resolved}, true);
    h5::Handle sweep_group = h5::create_group(file, "sweep");
    h5::write_strings(sweep_group, "definition", {sweep_.text}, true);
    h5::Handle time, cluster, replicate;
    write_coordinates(file, base, replicates, time, cluster, replicate);
    h5::Handle point = write_point_coordinates(file, sweep_);

    h5::Handle metrics_group = h5::create_group(file, "metrics");
    std::vector<h5::Handle> datasets;
    const std::vector<hsize_t> shape{points, replicates, steps, clusters};
    const std::vector<hsize_t> chunk{1, replicates, steps, clusters};
    for (std::size_t m : metric_index) {
      const MetricInfo& info = model.metrics()[m];
      h5::Handle ds = h5::create_doubles(metrics_group, info.name, shape, chunk);
      h5::attach_dimension(ds, point, 0);
      h5::attach_dimension(ds, replicate, 1);
      h5::attach_dimension(ds, time, 2);
      h5::attach_dimension(ds, cluster, 3);
      h5::write_attribute(ds, "units", info.units);
      h5::write_attribute(ds, "description", info.description);
      h5::write_attribute(ds, "kind", std::string(metric_kind_name(info.kind)));
      datasets.push_back(std::move(ds));
    }
    for (std::size_t p = 0; p < points; ++p) {
      for (std::size_t r = 0; r < replicates; ++r) {
        const std::string& path = where[p * replicates + r];
        const StoredRun stored =
            read_run(path, sweep_, p, r, metric_index.size() * block, model.facts().size());
        if (p == 0 && r == 0) {  // the first run fixes the goals every run must hold
          goals.definitions = stored.goals.goals;
          goals.costed = !stored.goals.cost_to_deadline.empty();
          const std::size_t n = points * stored.goals.goals.size() * replicates;
          goals.value_at_deadline.assign(n, 0.0);
          goals.first_met.assign(n, 0.0);
          goals.cost_to_deadline.assign(n, 0.0);
          goals.met.assign(n, 0);
        }
        gather_goals(goals, stored.goals, p, r, replicates, path);
        for (std::size_t f = 0; f < stored.facts.size(); ++f) {
          facts[f * points * replicates + p * replicates + r] = stored.facts[f];
        }
        for (std::size_t k = 0; k < datasets.size(); ++k) {
          h5::write_block(datasets[k], {p, r, 0, 0}, {1, 1, steps, clusters},
                          stored.metrics.data() + k * block);
        }
      }
    }
    write_sweep_goals(file, goals, sweep_, point, replicate);
    if (sweep_.facts)
      write_sweep_facts(file, model.facts(), facts, {points, replicates}, point, replicate);
    h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + output);
  });
}

}  // namespace sim
