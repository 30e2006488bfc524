#include "sim/io/result_file.hpp"

#include "sim/io/seal.hpp"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>

#include "sim/core/calendar.hpp"
#include "sim/core/checked.hpp"
#include "sim/io/hdf5.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void write_goals(hid_t file, const GoalResults& goals, hid_t replicate) {
  h5::Handle group = h5::create_group(file, "goals");
  h5::Handle goal = write_goal_definitions(file, group, goals.goals);
  const std::vector<hsize_t> shape{goals.goals.size(), goals.replicates};
  auto per_replicate = [&](h5::Handle ds, const std::string& units_text, const std::string& text) {
    h5::attach_dimension(ds, goal, 0);
    h5::attach_dimension(ds, replicate, 1);
    if (!units_text.empty()) h5::write_attribute(ds, "units", units_text);
    h5::write_attribute(ds, "description", text);
  };
  per_replicate(
      h5::write_doubles(group, "value_at_deadline", shape, goals.value_at_deadline.data()), "",
      "the goal's value at its deadline (NaN if the run ends earlier)");
  per_replicate(h5::write_bytes(group, "met", shape, goals.met.data()), "",
                "1 met by the deadline, 0 not met, -1 undecided (run ends before the deadline)");
  per_replicate(h5::write_doubles(group, "first_met", shape, goals.first_met.data()), "year",
                "decimal year (quarter end) when the target is first reached; NaN if never");
  if (!goals.cost_to_deadline.empty()) {
    per_replicate(
        h5::write_doubles(group, "cost_to_deadline", shape, goals.cost_to_deadline.data()), "yuan",
        "public money spent from the run's start to the goal's deadline (NaN if undecided)");
  }
  if (goals.counterfactual.empty()) return;
  h5::Handle comparison = h5::create_group(file, "comparison");
  h5::write_attribute(comparison, "counterfactual", goals.counterfactual);
  for (const auto& m : goals.comparison) {
    h5::Handle ds =
        h5::write_doubles(comparison, m.name, {goals.replicates}, m.per_replicate.data());
    h5::attach_dimension(ds, replicate, 0);
    h5::write_attribute(ds, "units", m.unit);
    h5::write_attribute(ds, "description", m.description);
  }
}

void write_metrics(hid_t parent, const Model& model, const MetricsArray& values, hid_t replicate,
                   hid_t time, hid_t cluster) {
  h5::Handle metrics = h5::create_group(parent, "metrics");
  const auto& infos = model.metrics();
  const std::vector<hsize_t> shape{values.replicates(), values.steps(), values.clusters()};
  for (std::size_t m = 0; m < infos.size(); ++m) {
    h5::Handle ds = h5::write_doubles(metrics, infos[m].name, shape, values.metric(m));
    h5::attach_dimension(ds, replicate, 0);
    h5::attach_dimension(ds, time, 1);
    h5::attach_dimension(ds, cluster, 2);
    h5::write_attribute(ds, "units", infos[m].units);
    h5::write_attribute(ds, "description", infos[m].description);
    h5::write_attribute(ds, "kind", std::string(metric_kind_name(infos[m].kind)));
  }
}

constexpr const char* kSnapshotRow = "row";

void write_snapshots(hid_t file, const Scenario& scenario, const std::vector<Snapshot>& snapshots) {
  if (snapshots.empty()) return;
  h5::Handle group = h5::create_group(file, "snapshots");
  h5::write_attribute(group, "description",
                      std::string("per-agent state at the end of the named quarter; rows of all "
                                  "replicates stacked, column 'replicate' says whose"));
  for (const Snapshot& snap : snapshots) {
    const int quarter = scenario.calendar().quarter_of_step(snap.step);
    h5::Handle g = h5::create_group(group, quarter_label(quarter));
    h5::write_attribute(g, "step", static_cast<std::int64_t>(snap.step));
    // A dimension of its own per quarter (rows differ), so netCDF tools can read the group.
    std::vector<std::int64_t> rows(snap.rows());
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::int64_t>(i);
    h5::Handle row = h5::write_ints(g, kSnapshotRow, {rows.size()}, rows.data());
    h5::make_dimension(row, kSnapshotRow);
    for (std::size_t c = 0; c < snap.columns.size(); ++c) {
      h5::Handle ds =
          h5::write_doubles(g, snap.columns[c], {snap.values[c].size()}, snap.values[c].data());
      h5::attach_dimension(ds, row, 0);
    }
  }
}

void write_contents(const std::string& path, const Model& model, const Scenario& scenario,
                    const EnsembleResult& result, const Provenance& provenance,
                    const CounterfactualRun* counterfactual) {
  h5::Handle file = h5::create_file(path);
  write_file_identity(file, kResultSchemaMinor, provenance.command_line);
  h5::write_attribute(file, "scenario_name", scenario.name());
  h5::write_attribute(file, "scenario_source", scenario.source());
  h5::write_attribute(file, "seed", static_cast<std::int64_t>(scenario.seed()));
  h5::write_attribute(file, "replicates", static_cast<std::int64_t>(scenario.replicates()));
  h5::write_attribute(file, "threads", static_cast<std::int64_t>(provenance.threads));
  h5::write_attribute(file, "wall_time_seconds", result.wall_seconds);

  h5::write_strings(file, "scenario", {scenario.resolved_yaml()}, true);

  h5::Handle time, cluster, replicate;
  write_coordinates(file, scenario, result.metrics.replicates(), time, cluster, replicate);
  if (!provenance.replicate_settings.empty()) {
    h5::Handle settings =
        h5::write_strings(file, "replicate_settings", provenance.replicate_settings);
    h5::attach_dimension(settings, replicate, 0);
  }

  write_metrics(file, model, result.metrics, replicate, time, cluster);
  if (counterfactual != nullptr) {
    h5::Handle group = h5::create_group(file, "counterfactual");
    h5::write_attribute(group, "scenario_name", counterfactual->scenario.name());
    h5::write_attribute(group, "scenario_source", counterfactual->scenario.source());
    h5::write_strings(group, "scenario", {counterfactual->scenario.resolved_yaml()}, true);
    write_metrics(group, model, counterfactual->result.metrics, replicate, time, cluster);
  }
  write_goals(file, result.goals, replicate);
  write_snapshots(file, scenario, result.snapshots);
  h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + path);
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_identity(hid_t file, int schema_minor, const std::string& command_line,
                         const char* filetype) {
  h5::write_attribute(file, "filetype",
                      std::string(filetype != nullptr ? filetype : kResultFiletype));
  h5::write_attribute(file, "schema_version",
                      std::vector<std::int64_t>{kResultSchemaMajor, schema_minor});
  h5::write_attribute(file, "clustersim_version", clustersim_version());
  h5::write_attribute(file, "git_commit", git_commit());
  h5::write_attribute(file, "build_flags", build_flags());
  h5::write_attribute(file, "created", utc_now());
  h5::write_attribute(file, "command_line", command_line);
}

void write_coordinates(hid_t file, const Scenario& scenario, std::size_t replicates,
                       h5::Handle& time, h5::Handle& cluster, h5::Handle& replicate) {
  const Calendar& cal = scenario.calendar();
  std::vector<double> years;
  std::vector<std::int64_t> days;
  std::vector<std::string> iso, labels;
  for (int t = 0; t < cal.steps(); ++t) {
    const int q = cal.quarter_of_step(t);
    years.push_back(quarter_end_decimal_year(q));
    days.push_back(days_since_1970(quarter_end(q)));
    iso.push_back(quarter_end(q).iso());
    labels.push_back(quarter_label(q));
  }
  // CF-convention time, so that any netCDF reader (plain xarray too) decodes dates.
  time = h5::write_ints(file, "time", {days.size()}, days.data());
  h5::make_dimension(time, "time");
  h5::write_attribute(time, "units", std::string("days since 1970-01-01"));
  h5::write_attribute(time, "calendar", std::string("proleptic_gregorian"));
  h5::write_attribute(time, "standard_name", std::string("time"));
  h5::write_attribute(time, "description", std::string("last day of each simulated quarter"));

  const auto& clusters = scenario.clusters().all();
  std::vector<std::string> ids, names, names_zh, regions, kinds, hosts;
  for (const auto& c : clusters) {
    ids.push_back(c.id);
    names.push_back(c.name);
    names_zh.push_back(c.name_zh);
    regions.push_back(c.region);
    kinds.push_back(c.kind);
    hosts.push_back(c.host_city);
  }
  cluster = h5::write_strings(file, "cluster", ids);
  h5::make_dimension(cluster, "cluster");
  h5::write_attribute(cluster, "description", std::string("cluster id"));

  std::vector<std::int64_t> reps(replicates);
  for (std::size_t r = 0; r < replicates; ++r) reps[r] = static_cast<std::int64_t>(r);
  replicate = h5::write_ints(file, "replicate", {reps.size()}, reps.data());
  h5::make_dimension(replicate, "replicate");
  h5::write_attribute(replicate, "description", std::string("replicate index (random stream)"));

  h5::Handle coords = h5::create_group(file, "coords");
  auto along = [&](const std::string& name, const std::vector<std::string>& values, hid_t dim,
                   const std::string& description) {
    h5::Handle ds = h5::write_strings(coords, name, values);
    h5::attach_dimension(ds, dim, 0);
    h5::write_attribute(ds, "description", description);
  };
  along("time_iso", iso, time, "ISO date of the last day of each quarter");
  {
    h5::Handle ds = h5::write_doubles(coords, "time_year", {years.size()}, years.data());
    h5::attach_dimension(ds, time, 0);
    h5::write_attribute(ds, "units", std::string("year"));
    h5::write_attribute(ds, "description",
                        std::string("decimal year at the end of each quarter (2014Q1: 2014.25)"));
  }
  along("time_label", labels, time, "quarter label, e.g. 2015Q4");
  along("cluster_name", names, cluster, "English name of the cluster");
  along("cluster_name_zh", names_zh, cluster, "name of the cluster in the plan's text");
  along("cluster_region", regions, cluster, "region of the province");
  along("cluster_kind", kinds, cluster, "emerging or traditional industry");
  along("cluster_host_city", hosts, cluster, "host city (see scenarios/data)");
}

h5::Handle write_goal_definitions(hid_t file, hid_t group,
                                  const std::vector<GoalDefinition>& definitions) {
  const auto [ids, descriptions, units, targets, deadlines, unreachable] =
      goal_columns(definitions);
  h5::Handle goal = h5::write_strings(file, "goal", ids);
  h5::make_dimension(goal, "goal");
  h5::write_attribute(goal, "description", std::string("goal id of the plan"));
  auto per_goal = [&](h5::Handle ds, const std::string& units_text, const std::string& text) {
    h5::attach_dimension(ds, goal, 0);
    if (!units_text.empty()) h5::write_attribute(ds, "units", units_text);
    h5::write_attribute(ds, "description", text);
  };
  per_goal(h5::write_strings(group, "description", descriptions), "", "what the goal asks");
  per_goal(h5::write_strings(group, "unit", units), "", "unit of the goal's value");
  per_goal(h5::write_doubles(group, "target", {ids.size()}, targets.data()), "",
           "met when the value at the deadline is at least this");
  per_goal(h5::write_doubles(group, "deadline", {ids.size()}, deadlines.data()), "year",
           "decimal year at the end of the deadline quarter");
  per_goal(h5::write_strings(group, "unreachable", unreachable), "",
           "why no run can meet the goal; empty when it is reachable");
  return goal;
}

std::string clustersim_version() {
  return CLUSTERSIM_VERSION;
}
std::string git_commit() {
  return CLUSTERSIM_GIT_COMMIT;
}
std::string build_flags() {
  return CLUSTERSIM_BUILD_FLAGS;
}

namespace {

// The name a result is written under until it is complete (write_atomically).
fs::path temporary_path_for(const fs::path& final_path) {
  return final_path.parent_path() /
         fmt::format(".{}.tmp-{}", final_path.filename().string(), getpid());
}

}  // namespace

void check_output_path(const std::string& path, bool force) {
  const fs::path p = fs::absolute(path);
  const fs::path folder = p.parent_path();
  std::error_code ec;
  const Location where{path, 0, 0};
  if (!fs::is_directory(folder, ec)) {
    throw InputError(where, "", fmt::format("output folder '{}' does not exist", folder.string()));
  }
  // access() says yes to root everywhere; creating the very file the result is first written
  // to is the test that holds for everyone, on read-only and special file systems too, and for
  // a name too long for the file system, before any simulating.
  const fs::path probe = temporary_path_for(p);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    const int error = errno;
    if (error == ENAMETOOLONG) {
      throw InputError(where, "",
                       fmt::format("the output file's name is too long for the file system ({})",
                                   std::strerror(error)));
    }
    throw InputError(where, "",
                     fmt::format("output folder '{}' is not writable ({})", folder.string(),
                                 std::strerror(error)));
  }
  ::close(fd);
  fs::remove(probe, ec);
  if (fs::exists(p, ec)) {
    if (fs::is_directory(p, ec)) throw InputError(where, "", "the output path is a folder");
    if (!force) {
      throw InputError(where, "", "the output file exists; pass --force to replace it");
    }
  }
}

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temporary)>& write) {
  const fs::path final_path = fs::absolute(path);
  const fs::path temporary = temporary_path_for(final_path);
  try {
    try {
      write(temporary.string());
      seal_file(temporary.string());
    } catch (const InputError&) {
      throw;
    } catch (const std::runtime_error& e) {
      // Most often the disk is full or a file size limit was reached. A logic error or a
      // failed allocation is not a write error and goes on as it is.
      std::error_code ec;
      throw WriteError(
          fmt::format("could not write {} ({}); the disk may be full or the file size limited; {}",
                      final_path.string(), e.what(),
                      fs::exists(final_path, ec) ? "the previous file is left as it was"
                                                 : "no file was written"));
    }
    fsync_path(temporary.string(), O_RDONLY);
    fs::rename(temporary, final_path);
    fsync_path(final_path.parent_path().string(), O_RDONLY | O_DIRECTORY);
  } catch (...) {
    std::error_code ec;
    fs::remove(temporary, ec);
    throw;
  }
}

void write_result_file(const std::string& path, const Model& model, const Scenario& scenario,
                       const EnsembleResult& result, const Provenance& provenance,
                       const CounterfactualRun* counterfactual) {
  write_atomically(path, [&](const std::string& temporary) {
    write_contents(temporary, model, scenario, result, provenance, counterfactual);
  });
}

h5::Handle open_result_file(const std::string& path) {
  const Location where{path, 0, 0};
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(where, "", "no such result file");
  h5::Handle file = h5::open_file(path);
  if (H5Aexists(file, "filetype") <= 0 ||
      h5::read_string_attribute(file, "filetype") != kResultFiletype) {
    throw InputError(where, "", "not a clustersim result file (filetype attribute)");
  }
  const auto version = h5::read_int_attribute(file, "schema_version");
  if (version.empty() || version[0] != kResultSchemaMajor) {
    throw InputError(where, "",
                     fmt::format("result schema version {} is not readable by this build "
                                 "(expects {}.x)",
                                 version.empty() ? -1 : version[0], kResultSchemaMajor));
  }
  return file;
}

std::vector<Snapshot> read_snapshots(const std::string& path) {
  const Location where{path, 0, 0};
  try {
    h5::Handle file = open_result_file(path);
    std::vector<Snapshot> out;
    if (!h5::exists(file, "snapshots")) return out;
    h5::Handle group = h5::open_group(file, "snapshots");
    for (const auto& name : h5::member_names(group)) {
      h5::Handle g = h5::open_group(group, name);
      Snapshot snap;
      snap.label = name;
      const auto step = h5::read_int_attribute(g, "step");
      snap.step = step.empty() ? 0 : static_cast<int>(step[0]);
      for (const auto& column : h5::member_names(g)) {
        if (column == kSnapshotRow) continue;
        snap.columns.push_back(column);
        snap.values.push_back(h5::read_doubles(h5::open_dataset(g, column)));
        if (snap.values.back().size() != snap.values.front().size()) {
          throw InputError(where, "",
                           fmt::format("/snapshots/{} has columns of unequal length", name));
        }
      }
      out.push_back(std::move(snap));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
    return out;
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(where, "", fmt::format("damaged or incomplete result file ({})", e.what()));
  }
}

namespace {

// A decimal year a goal report names as a quarter (quarter_label_at): NaN ("never") or within
// the calendar, whose quarters are the only ones a run can have; any other is refused before a
// report casts it to a quarter number.
void check_decimal_years(const std::vector<double>& years, const std::string& dataset,
                         const Location& where) {
  const auto bad = std::find_if(years.begin(), years.end(),
                                [](double y) { return !std::isnan(y) && !in_calendar_years(y); });
  if (bad != years.end()) {
    throw InputError(where, "",
                     fmt::format("/{} holds {}: neither NaN nor the decimal year of a quarter's "
                                 "end from {}Q1 to {}Q4",
                                 dataset, *bad, kCalendarFirstYear, kCalendarLastYear));
  }
}

// A decided replicate (met 0 or 1) reached its deadline, so it has a value there: NaN can only
// be a damaged file, and would reach the report's quantiles (which refuse NaN).
void check_decided_values(const GoalResults& goals, const Location& where) {
  for (std::size_t i = 0; i < goals.met.size(); ++i) {
    if (goals.met[i] >= 0 && std::isnan(goals.value_at_deadline[i])) {
      throw InputError(where, "",
                       fmt::format("/goals/value_at_deadline is NaN for goal {}, replicate {}, "
                                   "which /goals/met says is decided",
                                   goals.goals[i / goals.replicates].id, i % goals.replicates));
    }
  }
}

std::vector<GoalDefinition> read_goal_definitions(hid_t file, const Location& where) {
  const auto ids = h5::read_strings(h5::open_dataset(file, "goal"));
  const auto descriptions = h5::read_strings(h5::open_dataset(file, "goals/description"));
  const auto units = h5::read_strings(h5::open_dataset(file, "goals/unit"));
  const auto targets = h5::read_doubles(h5::open_dataset(file, "goals/target"));
  const auto deadlines = h5::read_doubles(h5::open_dataset(file, "goals/deadline"));
  const std::size_t goal_count = ids.size();
  // Files written before goals said why they were unreachable have no /goals/unreachable.
  auto unreachable = h5::exists(file, "goals/unreachable")
                         ? h5::read_strings(h5::open_dataset(file, "goals/unreachable"))
                         : std::vector<std::string>(goal_count);
  if (descriptions.size() != goal_count || units.size() != goal_count ||
      targets.size() != goal_count || deadlines.size() != goal_count ||
      unreachable.size() != goal_count) {
    throw InputError(where, "", "the /goals definitions disagree in length with /goal");
  }
  check_decimal_years(deadlines, "goals/deadline", where);
  std::vector<GoalDefinition> out;
  for (std::size_t g = 0; g < goal_count; ++g) {
    out.push_back({ids[g], descriptions[g], units[g], targets[g], deadlines[g], unreachable[g]});
  }
  return out;
}

// The per-replicate values [goal][replicate] of `goals`, whose definitions are read.
void read_goal_values(hid_t file, GoalResults& goals, const Location& where) {
  h5::Handle value = h5::open_dataset(file, "goals/value_at_deadline");
  const auto shape = h5::shape_of(value);
  if (shape.size() != 2 || shape[0] != goals.goals.size()) {
    throw InputError(where, "", "/goals/value_at_deadline has the wrong shape");
  }
  goals.replicates = shape[1];
  goals.value_at_deadline = h5::read_doubles(value);
  // Every reader of GoalResults indexes [goal][replicate] up to the stated shape.
  if (checked_product({goals.goals.size(), goals.replicates}) != goals.value_at_deadline.size()) {
    throw InputError(where, "",
                     "/goals/value_at_deadline does not hold the values its shape states");
  }
  goals.first_met = h5::read_doubles(h5::open_dataset(file, "goals/first_met"));
  goals.met = read_goal_met(file, "goals/met", where.file);
  if (goals.met.size() != goals.value_at_deadline.size() ||
      goals.first_met.size() != goals.value_at_deadline.size()) {
    throw InputError(where, "", "the /goals datasets disagree in size");
  }
  check_decimal_years(goals.first_met, "goals/first_met", where);
  check_decided_values(goals, where);
  if (h5::exists(file, "goals/cost_to_deadline")) {
    goals.cost_to_deadline = h5::read_doubles(h5::open_dataset(file, "goals/cost_to_deadline"));
    if (goals.cost_to_deadline.size() != goals.value_at_deadline.size()) {
      throw InputError(where, "", "/goals/cost_to_deadline has the wrong size");
    }
  }
}

void read_comparison(hid_t file, GoalResults& goals, const Location& where) {
  h5::Handle group = h5::open_group(file, "comparison");
  goals.counterfactual = h5::read_string_attribute(group, "counterfactual");
  for (const auto& name : h5::member_names(group)) {
    h5::Handle ds = h5::open_dataset(group, name);
    ComparisonMeasure m{name, h5::read_string_attribute(ds, "units"),
                        h5::read_string_attribute(ds, "description"), h5::read_doubles(ds)};
    if (m.per_replicate.size() != goals.replicates) {
      throw InputError(where, "", fmt::format("/comparison/{} has the wrong size", name));
    }
    goals.comparison.push_back(std::move(m));
  }
}

}  // namespace

std::vector<std::int8_t> read_goal_met(hid_t file, const std::string& dataset,
                                       const std::string& path) {
  std::vector<std::int8_t> out;
  for (const std::int64_t m : h5::read_ints(h5::open_dataset(file, dataset))) {
    if (m < -1 || m > 1) {
      throw InputError({path, 0, 0}, "",
                       fmt::format("/{} holds {}; a goal is met (1), not met (0) or undecided (-1)",
                                   dataset, m));
    }
    out.push_back(static_cast<std::int8_t>(m));
  }
  return out;
}

bool is_sweep_result(const std::string& path) {
  try {
    h5::Handle file = open_result_file(path);
    return H5Aexists(file, "sweep_method") > 0;
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("damaged or incomplete result file ({})", e.what()));
  }
}

std::string sweep_point_dimension(hid_t file) {
  return h5::exists(file, "run") && !h5::exists(file, "point") ? "run" : "point";
}

namespace {

// Each point's varied settings, "policy.ip_protection=0.5, ...", from /coords/point.
std::vector<std::string> point_settings(hid_t file, std::size_t points, const Location& where) {
  std::vector<std::string> out(points);
  const std::string coords = "coords/" + sweep_point_dimension(file);
  if (!h5::exists(file, coords)) return out;
  h5::Handle group = h5::open_group(file, coords);
  for (const auto& name : h5::member_names(group)) {
    const auto values = h5::read_doubles(h5::open_dataset(group, name));
    if (values.size() != points) {
      throw InputError(where, "", fmt::format("/{}/{} has the wrong size", coords, name));
    }
    for (std::size_t p = 0; p < points; ++p) {
      out[p] += fmt::format("{}{}={:g}", out[p].empty() ? "" : ", ", name, values[p]);
    }
  }
  return out;
}

}  // namespace

std::vector<PointGoals> read_point_goal_results(const std::string& path) {
  const Location where{path, 0, 0};
  try {
    h5::Handle file = open_result_file(path);
    if (H5Aexists(file, "sweep_method") <= 0) {
      throw InputError(where, "", "is not a sweep result: its goals are not per point");
    }
    const std::vector<GoalDefinition> definitions = read_goal_definitions(file, where);
    h5::Handle value = h5::open_dataset(file, "goals/value_at_deadline");
    const auto shape = h5::shape_of(value);
    // Without goals or replicates a point holds no value, and the number of points would be
    // bounded by nothing the file holds.
    if (shape.size() != 3 || shape[1] != definitions.size() || shape[1] == 0 || shape[2] == 0) {
      throw InputError(where, "", "/goals/value_at_deadline has the wrong shape");
    }
    const std::size_t points = shape[0], per_point = shape[1] * shape[2];
    const auto values = h5::read_doubles(value);
    const auto first_met = h5::read_doubles(h5::open_dataset(file, "goals/first_met"));
    const auto met = read_goal_met(file, "goals/met", path);
    const auto cost = h5::exists(file, "goals/cost_to_deadline")
                          ? h5::read_doubles(h5::open_dataset(file, "goals/cost_to_deadline"))
                          : std::vector<double>{};
    const auto size = checked_product({points, per_point});
    if (!size || values.size() != *size || first_met.size() != *size || met.size() != *size ||
        (!cost.empty() && cost.size() != *size)) {
      throw InputError(where, "", "the /goals datasets disagree in size");
    }
    check_decimal_years(first_met, "goals/first_met", where);
    const auto settings = point_settings(file, points, where);
    std::vector<PointGoals> out;
    for (std::size_t p = 0; p < points; ++p) {
      const auto from = static_cast<std::ptrdiff_t>(p * per_point);
      const auto to = from + static_cast<std::ptrdiff_t>(per_point);
      GoalResults g;
      g.goals = definitions;
      g.replicates = shape[2];
      g.value_at_deadline.assign(values.begin() + from, values.begin() + to);
      g.first_met.assign(first_met.begin() + from, first_met.begin() + to);
      g.met.assign(met.begin() + from, met.begin() + to);
      if (!cost.empty()) g.cost_to_deadline.assign(cost.begin() + from, cost.begin() + to);
      check_decided_values(g, where);
      out.push_back({settings[p], std::move(g)});
    }
    return out;
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(where, "", fmt::format("damaged or incomplete result file ({})", e.what()));
  }
}

GoalResults read_goal_results(const std::string& path) {
  const Location where{path, 0, 0};
  try {
    h5::Handle file = open_result_file(path);
    if (H5Aexists(file, "sweep_method") > 0) {
      throw InputError(where, "",
                       "is a sweep result: its goals are per point (read_point_goal_results)");
    }
    GoalResults goals;
    goals.goals = read_goal_definitions(file, where);
    read_goal_values(file, goals, where);
    if (h5::exists(file, "comparison")) read_comparison(file, goals, where);
    return goals;
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(where, "", fmt::format("damaged or incomplete result file ({})", e.what()));
  }
}

}  // namespace sim
