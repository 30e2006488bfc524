// A validated, immutable scenario: every setting of the schema with its effective value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/config/clusters.hpp"
#include "sim/config/config_tree.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/errors.hpp"

namespace sim {

// The most replicates a run may have (run.replicates), and so a sweep's point.
inline constexpr int kMaxReplicates = 100000;

// A step function of time: the value of the last point at or before a quarter. The first
// point always starts at kBeginningOfTime.
class Schedule {
 public:
  static constexpr int kBeginningOfTime = -1'000'000;

  Schedule() = default;
  explicit Schedule(double constant) : points_{{kBeginningOfTime, constant}} {}
  // Points (quarter, value) in increasing quarter order; the schedule `before` supplies the
  // values before the first point.
  Schedule(const std::vector<std::pair<int, double>>& points, const Schedule& before);

  double at(int quarter) const;
  bool is_constant() const { return points_.size() == 1; }
  const std::vector<std::pair<int, double>>& points() const { return points_; }
  bool operator==(const Schedule&) const = default;

 private:
  std::vector<std::pair<int, double>> points_;
};

// One setting's effective value and where it was given.
struct SettingValue {
  const Setting* setting = nullptr;
  Location where;  // the value's place in a file, or "<default>"
  // Number, Integer, Boolean: the schedule of every cluster, and how it was written
  // (a base schedule and per-cluster overrides) for the resolved YAML.
  std::vector<Schedule> per_cluster;
  Schedule base;
  std::vector<std::pair<std::size_t, Schedule>> overrides;
  // Text and Path (absolute) values; Date values.
  std::string text;
  Date date;
};

struct LoadOptions {
  std::vector<std::string> overrides;  // "--set key=value" assignments, applied in order
};

class Scenario {
 public:
  // Reads, merges, validates and resolves a scenario file against the schema; a path that
  // does not exist may name a shipped scenario (scenario_library). Throws InputError
  // (file:line:column, key) for any bad input.
  static Scenario load(const std::string& path, const Schema& schema,
                       const LoadOptions& options = {});
  // The same from YAML text (which may not use `extends`); relative paths are taken from the
  // current directory and errors name `name_for_errors` as the file.
  static Scenario from_yaml(const std::string& yaml, const std::string& name_for_errors,
                            const Schema& schema, const LoadOptions& options = {});

  const std::string& source() const { return source_; }
  const Schema& schema() const { return *schema_; }
  const ClusterCatalog& clusters() const { return clusters_; }
  const Calendar& calendar() const { return calendar_; }
  std::uint64_t seed() const { return static_cast<std::uint64_t>(integer("run.seed")); }
  int replicates() const { return static_cast<int>(integer("run.replicates")); }
  std::string name() const;

  const SettingValue& value(const std::string& key) const;
  double number(const std::string& key, int quarter, std::size_t cluster) const {
    return value(key).per_cluster[cluster].at(quarter);
  }
  // A setting that does not vary (by date or cluster) in this scenario.
  double number(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  bool flag(const std::string& key) const { return number(key) != 0.0; }
  const std::string& text(const std::string& key) const { return value(key).text; }
  const std::string& path(const std::string& key) const { return value(key).text; }
  const Date& date(const std::string& key) const { return value(key).date; }

  // Throws an InputError at the place where key's value was given.
  [[noreturn]] void fail(const std::string& key, const std::string& detail) const;
  // For a contradiction between settings: blames the first of `keys` the scenario wrote
  // (rather than took from the schema's defaults), else the first.
  [[noreturn]] void fail_written(std::initializer_list<std::string> keys,
                                 const std::string& detail) const;

  // Every setting's effective value as YAML; loading it again gives the same scenario.
  std::string resolved_yaml() const;

 private:
  static Scenario resolve(ConfigNode tree, const std::string& source, const std::string& base_dir,
                          const Schema& schema, const LoadOptions& options);
  SettingValue resolve_setting(const Setting& setting, const ConfigNode& node) const;
  static Schedule parse_schedule(const Setting& setting, const ConfigNode& node,
                                 const Schedule& before);
  static double parse_scalar(const Setting& setting, const ConfigNode& node);
  Schedule values_default(const Setting& setting) const;
  static void check_keys(const ConfigNode& node, const std::string& prefix, const Schema& schema);
  void walk(const ConfigNode& node, const std::string& prefix);

  std::string source_;
  std::string base_dir_;
  const Schema* schema_ = nullptr;
  ClusterCatalog clusters_;
  Calendar calendar_;
  std::map<std::string, SettingValue> values_;
};

// Settings of the engine itself: the run's calendar, replicates, seed, the cluster catalogue.
void add_engine_settings(Schema& schema);

}  // namespace sim
