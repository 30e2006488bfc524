#include "sim/sweep/file.hpp"

#include "sim/core/spelling.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "sim/analysis/sobol.hpp"
#include "sim/config/config_tree.hpp"
#include "sim/config/limits.hpp"
#include "sim/core/random.hpp"
#include "sim/sweep/reading.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

const std::vector<std::string> kTopLevelKeys = {"description", "base",   "replicates",
                                                "set",         "output", "vary"};
const std::vector<std::string> kOutputKeys = {"metrics"};
const std::vector<std::string> kMethodKeys = {"grid", "list", "latin_hypercube", "saltelli"};
const std::vector<std::string> kLatinHypercubeKeys = {"points", "seed", "ranges"};
const std::vector<std::string> kSaltelliKeys = {"base_samples", "ranges"};

// The sweep's replicates, range-checked before the cast to int: 4294967297 would become 1 and
// pass run.replicates' own check.
int read_replicates(const ConfigNode& node) {
  const std::int64_t n = read_integer(node, "replicates", 1);
  if (n > kMaxReplicates) {
    throw InputError(node.where, "replicates",
                     fmt::format("{} is outside the allowed range [1, {}]", n, kMaxReplicates));
  }
  return static_cast<int>(n);
}

std::string describe_range(const Setting& s) {
  const std::string unit = s.unit.empty() || s.unit == "1" ? "" : " " + s.unit;
  return fmt::format("[{:g}, {:g}]{}", s.min, s.max, unit);
}

// A setting named under `vary:`: it must exist and be a number, integer or boolean that is not
// one of the run's own settings (those are decided by the sweep itself or by its base).
const Setting& varied_setting(const Schema& schema, const std::string& key, const Location& where,
                              const std::string& full_key) {
  const Setting* setting = schema.find(key);
  if (setting == nullptr) {
    std::string detail = fmt::format("unknown setting '{}'", key);
    if (auto suggestion = schema.suggest(key)) {
      detail += fmt::format("; did you mean '{}'?", *suggestion);
    }
    throw InputError(where, full_key, detail);
  }
  if (key.rfind("run.", 0) == 0) {
    throw InputError(where, full_key,
                     fmt::format("'{}' cannot be varied: replicates come from `replicates:` and "
                                 "the seed and calendar from the base scenario (or `set:`)",
                                 key));
  }
  const SettingType type = setting->type;
  if (type != SettingType::Number && type != SettingType::Integer && type != SettingType::Boolean) {
    throw InputError(where, full_key,
                     fmt::format("'{}' is a {} setting; only number, integer and boolean "
                                 "settings can be varied",
                                 key, type_name(type)));
  }
  return *setting;
}

// One value of a grid or list: a boolean as true/false (or 1/0), an integer whole, every value
// inside the setting's range.
double point_value(const Setting& setting, const ConfigNode& node, const std::string& key) {
  if (setting.type == SettingType::Boolean && node.kind == ConfigNode::Kind::Scalar &&
      !node.quoted) {
    if (node.scalar == "true" || node.scalar == "1") return 1.0;
    if (node.scalar == "false" || node.scalar == "0") return 0.0;
  }
  const auto value = as_number(node);
  if (!value || setting.type == SettingType::Boolean) {
    const std::string found =
        node.kind == ConfigNode::Kind::Scalar ? fmt::format("'{}'", node.scalar) : node.kind_name();
    const std::string expected =
        setting.type == SettingType::Boolean ? "true or false" : "a number";
    throw InputError(node.where, key, fmt::format("expected {}, found {}", expected, found));
  }
  if (setting.type == SettingType::Integer && *value != std::floor(*value)) {
    throw InputError(
        node.where, key,
        fmt::format("'{}' is an integer setting; found '{}'", setting.key, node.scalar));
  }
  if (*value < setting.min || *value > setting.max) {
    throw InputError(node.where, key,
                     fmt::format("{} is outside the allowed range {} of '{}'", node.scalar,
                                 describe_range(setting), setting.key));
  }
  return *value;
}

struct Range {
  double lo = 0.0, hi = 0.0;
  bool integer = false;  // round scaled values to the nearest whole number
};

Range read_range(const Setting& setting, const ConfigNode& node, const std::string& key) {
  if (setting.type == SettingType::Boolean) {
    throw InputError(node.where, key,
                     fmt::format("'{}' is a boolean; a range needs a number or integer setting "
                                 "(vary booleans with grid or list)",
                                 setting.key));
  }
  if (node.kind != ConfigNode::Kind::Sequence || node.items.size() != 2) {
    throw InputError(node.where, key, "expected a range [low, high] of two numbers");
  }
  double bounds[2] = {0.0, 0.0};
  for (std::size_t i = 0; i < 2; ++i) {
    const ConfigNode& bound = node.items[i];
    const auto value = as_number(bound);
    if (!value) {
      throw InputError(bound.where, key,
                       fmt::format("expected a finite number, found {}",
                                   bound.kind == ConfigNode::Kind::Scalar ? "'" + bound.scalar + "'"
                                                                          : bound.kind_name()));
    }
    if (*value < setting.min || *value > setting.max) {
      throw InputError(bound.where, key,
                       fmt::format("{} is outside the allowed range {} of '{}'", bound.scalar,
                                   describe_range(setting), setting.key));
    }
    bounds[i] = *value;
  }
  if (!(bounds[0] < bounds[1])) {
    throw InputError(node.where, key,
                     fmt::format("the low end {} must be below the high end {}",
                                 node.items[0].scalar, node.items[1].scalar));
  }
  return Range{bounds[0], bounds[1], setting.type == SettingType::Integer};
}

// A unit-cube value u in [0, 1) mapped onto a range; integer settings take the nearest whole
// value so that every point is a valid scenario.
double scale(const Range& range, double u) {
  const double x = range.lo + (range.hi - range.lo) * u;
  return range.integer ? std::nearbyint(x) : x;
}

// The `ranges:` map of latin_hypercube and saltelli: settings (in file order) and their ranges.
std::vector<Range> read_ranges(const ConfigNode& node, const std::string& prefix,
                               const Schema& schema, SweepDefinition& sweep) {
  require_kind(node, ConfigNode::Kind::Map, prefix, "a mapping of settings to [low, high]");
  if (node.entries.empty()) throw InputError(node.where, prefix, "no settings to vary");
  std::vector<Range> ranges;
  for (const auto& entry : node.entries) {
    const std::string key = join_key(prefix, entry.key);
    const Setting& setting = varied_setting(schema, entry.key, entry.key_where, key);
    ranges.push_back(read_range(setting, entry.value, key));
    sweep.settings.push_back(entry.key);
  }
  return ranges;
}

void check_point_count(std::size_t count, const ConfigNode& where, const std::string& key) {
  if (count > kMaxSweepPoints) {
    throw InputError(where.where, key,
                     fmt::format("the design has {} points; a sweep may have at most {}", count,
                                 kMaxSweepPoints));
  }
}

// --- the four methods ----------------------------------------------------------------------

void read_grid(const ConfigNode& node, const Schema& schema, SweepDefinition& sweep) {
  const std::string prefix = "vary.grid";
  require_kind(node, ConfigNode::Kind::Map, prefix, "a mapping of settings to lists of values");
  if (node.entries.empty()) throw InputError(node.where, prefix, "no settings to vary");
  std::vector<std::vector<double>> levels;
  std::size_t count = 1;
  for (const auto& entry : node.entries) {
    const std::string key = join_key(prefix, entry.key);
    const Setting& setting = varied_setting(schema, entry.key, entry.key_where, key);
    require_kind(entry.value, ConfigNode::Kind::Sequence, key, "a list of values");
    if (entry.value.items.empty()) throw InputError(entry.value.where, key, "empty list of values");
    std::vector<double> values;
    for (const auto& item : entry.value.items) values.push_back(point_value(setting, item, key));
    // Checked as the product grows so that a huge grid cannot overflow the count.
    count *= values.size();
    check_point_count(count, node, prefix);
    levels.push_back(std::move(values));
    sweep.settings.push_back(entry.key);
  }
  // The cartesian product with the first setting varying slowest: point p's digits in the
  // mixed radix of the level counts, most significant first.
  for (std::size_t p = 0; p < count; ++p) {
    std::vector<double> point(levels.size());
    std::size_t rest = p;
    for (std::size_t d = levels.size(); d-- > 0;) {
      point[d] = levels[d][rest % levels[d].size()];
      rest /= levels[d].size();
    }
    sweep.points.push_back(std::move(point));
  }
}

std::vector<std::string> keys_of(const ConfigNode& map) {
  std::vector<std::string> keys;
  for (const auto& entry : map.entries) keys.push_back(entry.key);
  return keys;
}

void read_list(const ConfigNode& node, const Schema& schema, SweepDefinition& sweep) {
  const std::string prefix = "vary.list";
  require_kind(node, ConfigNode::Kind::Sequence, prefix, "a list of points (mappings)");
  if (node.items.empty()) throw InputError(node.where, prefix, "empty list of points");
  check_point_count(node.items.size(), node, prefix);
  const ConfigNode& first = node.items.front();
  require_kind(first, ConfigNode::Kind::Map, prefix, "a mapping of settings to values");
  if (first.entries.empty()) throw InputError(first.where, prefix, "a point sets no settings");
  std::vector<const Setting*> settings;
  for (const auto& entry : first.entries) {
    const std::string key = join_key(prefix, entry.key);
    settings.push_back(&varied_setting(schema, entry.key, entry.key_where, key));
    sweep.settings.push_back(entry.key);
  }
  std::vector<std::string> sorted_keys = sweep.settings;
  std::sort(sorted_keys.begin(), sorted_keys.end());
  for (std::size_t p = 0; p < node.items.size(); ++p) {
    const ConfigNode& map = node.items[p];
    require_kind(map, ConfigNode::Kind::Map, prefix, "a mapping of settings to values");
    std::vector<std::string> keys = keys_of(map);
    std::sort(keys.begin(), keys.end());
    if (keys != sorted_keys) {
      throw InputError(map.where, prefix,
                       fmt::format("point {} sets {{{}}} but the first point sets {{{}}}; every "
                                   "point must set the same settings",
                                   p, join(keys_of(map), ", "), join(sweep.settings, ", ")));
    }
    // Values in the first map's order, whatever order this map wrote them in.
    std::vector<double> point;
    for (std::size_t d = 0; d < settings.size(); ++d) {
      const std::string key = join_key(prefix, sweep.settings[d]);
      point.push_back(point_value(*settings[d], *map.child(sweep.settings[d]), key));
    }
    sweep.points.push_back(std::move(point));
  }
}

// A random permutation of 0..n-1 (Fisher-Yates). The modulo's bias is below n / 2^64: nil.
std::vector<std::size_t> random_permutation(std::size_t n, RandomStream& stream) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  for (std::size_t i = n; i-- > 1;) std::swap(order[i], order[stream() % (i + 1)]);
  return order;
}

void read_latin_hypercube(const ConfigNode& node, const Schema& schema, SweepDefinition& sweep) {
  const std::string prefix = "vary.latin_hypercube";
  require_kind(node, ConfigNode::Kind::Map, prefix, "a mapping with points, seed and ranges");
  check_allowed_keys(node, prefix, kLatinHypercubeKeys);
  const ConfigNode& points_node = required(node, prefix, "points");
  const auto n = static_cast<std::size_t>(read_integer(points_node, prefix + ".points", 2));
  check_point_count(n, points_node, prefix + ".points");
  const auto seed =
      static_cast<std::uint64_t>(read_integer(required(node, prefix, "seed"), prefix + ".seed", 0));
  const std::vector<Range> ranges =
      read_ranges(required(node, prefix, "ranges"), prefix + ".ranges", schema, sweep);
  sweep.points.assign(n, std::vector<double>(ranges.size()));
  // One stream per column (the column is the stream's agent id): adding a setting leaves the
  // other columns' values as they were.
  for (std::size_t d = 0; d < ranges.size(); ++d) {
    RandomStream stream(seed, 0, 0, 0, d);
    const std::vector<std::size_t> strata = random_permutation(n, stream);
    for (std::size_t p = 0; p < n; ++p) {
      const double u = (static_cast<double>(strata[p]) + stream.uniform()) / static_cast<double>(n);
      sweep.points[p][d] = scale(ranges[d], u);
    }
  }
}

void read_saltelli(const ConfigNode& node, const Schema& schema, SweepDefinition& sweep) {
  const std::string prefix = "vary.saltelli";
  require_kind(node, ConfigNode::Kind::Map, prefix, "a mapping with base_samples and ranges");
  check_allowed_keys(node, prefix, kSaltelliKeys);
  const ConfigNode& samples_node = required(node, prefix, "base_samples");
  const auto n = static_cast<std::size_t>(read_integer(samples_node, prefix + ".base_samples", 2));
  check_point_count(n, samples_node, prefix + ".base_samples");
  const std::vector<Range> ranges =
      read_ranges(required(node, prefix, "ranges"), prefix + ".ranges", schema, sweep);
  const std::size_t d = ranges.size();
  check_point_count(n * saltelli_rows_per_sample(d), samples_node, prefix + ".base_samples");
  std::vector<double> unit;
  try {
    unit = saltelli_design(d, n);
  } catch (const std::invalid_argument& e) {
    throw InputError(node.where, prefix, e.what());
  }
  sweep.base_samples = n;
  for (std::size_t row = 0; row < unit.size() / d; ++row) {
    std::vector<double> point(d);
    for (std::size_t c = 0; c < d; ++c) point[c] = scale(ranges[c], unit[row * d + c]);
    sweep.points.push_back(std::move(point));
  }
}

void read_vary(const ConfigNode& vary, const Schema& schema, SweepDefinition& sweep) {
  if (vary.kind != ConfigNode::Kind::Map || vary.entries.empty()) {
    throw InputError(vary.where, "vary",
                     fmt::format("expected one method: {}", join(kMethodKeys, ", ")));
  }
  check_allowed_keys(vary, "vary", kMethodKeys);
  if (vary.entries.size() > 1) {
    const ConfigEntry& second = vary.entries[1];
    throw InputError(second.key_where, "vary." + second.key,
                     fmt::format("a sweep has one method and '{}' is given already (line {})",
                                 vary.entries[0].key, vary.entries[0].key_where.line));
  }
  const ConfigEntry& method = vary.entries.front();
  if (method.key == "grid") {
    sweep.method = SweepMethod::Grid;
    read_grid(method.value, schema, sweep);
  } else if (method.key == "list") {
    sweep.method = SweepMethod::List;
    read_list(method.value, schema, sweep);
  } else if (method.key == "latin_hypercube") {
    sweep.method = SweepMethod::LatinHypercube;
    read_latin_hypercube(method.value, schema, sweep);
  } else {
    sweep.method = SweepMethod::Saltelli;
    read_saltelli(method.value, schema, sweep);
  }
  for (const auto& key : sweep.settings) {
    sweep.setting_types.push_back(schema.find(key)->type);
  }
}

// --- the other keys ------------------------------------------------------------------------

std::vector<std::string> read_metrics(const ConfigNode& node, const Model& model) {
  const std::string key = "output.metrics";
  require_kind(node, ConfigNode::Kind::Sequence, key, "a list of metric names");
  if (node.items.empty()) {
    throw InputError(node.where, key, "an empty list writes nothing; leave it out to write all");
  }
  std::vector<std::string> known;
  for (const auto& m : model.metrics()) known.push_back(m.name);
  std::vector<std::string> out;
  for (const auto& item : node.items) {
    require_kind(item, ConfigNode::Kind::Scalar, key, "a metric name");
    if (std::find(known.begin(), known.end(), item.scalar) == known.end()) {
      const auto suggestion = closest(item.scalar, known);
      throw InputError(item.where, key,
                       suggestion ? fmt::format("unknown metric '{}'; did you mean '{}'?",
                                                item.scalar, *suggestion)
                                  : fmt::format("unknown metric '{}'; the model's metrics are {}",
                                                item.scalar, join(known, ", ")));
    }
    if (std::find(out.begin(), out.end(), item.scalar) != out.end()) {
      throw InputError(item.where, key, fmt::format("metric '{}' is listed twice", item.scalar));
    }
    out.push_back(item.scalar);
  }
  return out;
}

void read_output(const ConfigNode& node, const Model& model, SweepDefinition& sweep) {
  if (node.kind == ConfigNode::Kind::Null) return;
  require_kind(node, ConfigNode::Kind::Map, "output", "a mapping");
  check_allowed_keys(node, "output", kOutputKeys);
  if (const ConfigNode* metrics = node.child("metrics")) {
    sweep.metrics = read_metrics(*metrics, model);
  }
}

void check_set_not_varied(const ConfigNode* set_node, const SweepDefinition& sweep) {
  if (set_node == nullptr) return;
  for (const auto& entry : set_node->entries) {
    if (std::find(sweep.settings.begin(), sweep.settings.end(), entry.key) !=
        sweep.settings.end()) {
      throw InputError(entry.key_where, "set." + entry.key,
                       fmt::format("'{}' is varied under vary.{}; a setting is either set or "
                                   "varied, not both",
                                   entry.key, method_name(sweep.method)));
    }
  }
}

// Point `point`'s "key=value" overrides; booleans as true/false, the only spelling scenarios
// read, and everything else exactly (17 significant digits).
std::vector<std::string> overrides_of(const SweepDefinition& sweep, std::size_t point,
                                      const std::vector<SettingType>& types) {
  std::vector<std::string> out;
  const std::vector<double>& values = sweep.points.at(point);
  for (std::size_t d = 0; d < sweep.settings.size(); ++d) {
    if (d < types.size() && types[d] == SettingType::Boolean) {
      out.push_back(fmt::format("{}={}", sweep.settings[d], values[d] != 0.0 ? "true" : "false"));
    } else {
      out.push_back(fmt::format("{}={:.17g}", sweep.settings[d], values[d]));
    }
  }
  return out;
}

std::string describe_point(const SweepDefinition& sweep, std::size_t point) {
  return join(overrides_of(sweep, point, sweep.setting_types), ", ");
}

// Every point must make a valid scenario before anything runs: a sweep that fails at its
// 300th point after hours of work is worse than one refused at once.
void check_every_point(const SweepDefinition& sweep, const Location& vary_where,
                       const Model& model) {
  for (std::size_t p = 0; p < sweep.points.size(); ++p) {
    try {
      const Scenario scenario = point_scenario(sweep, p, model);
      if (scenario.flag("output.firm_snapshots")) {
        throw InputError(vary_where, "output.firm_snapshots", "sweeps write no snapshots");
      }
    } catch (const InputError& e) {
      throw InputError(vary_where, e.key(),
                       fmt::format("point {} ({}): {}", p, describe_point(sweep, p), e.detail()));
    }
  }
}

}  // namespace

std::uint64_t fingerprint_of(const SweepDefinition& sweep) {
  Fnv1a h;
  h.text(sweep.base_resolved);
  h.text(method_name(sweep.method));
  for (const auto& setting : sweep.settings) h.text(setting);
  for (const auto& point : sweep.points) {
    for (const double value : point) h.word(std::bit_cast<std::uint64_t>(value));
  }
  h.word(static_cast<std::uint64_t>(sweep.replicates));
  for (const auto& metric : sweep.metrics) h.text(metric);
  if (sweep.facts) h.text("facts");  // only when set, so sweeps keep their fingerprints
  return h.value();
}

std::string method_name(SweepMethod method) {
  switch (method) {
    case SweepMethod::Grid:
      return "grid";
    case SweepMethod::List:
      return "list";
    case SweepMethod::LatinHypercube:
      return "latin_hypercube";
    case SweepMethod::Saltelli:
      return "saltelli";
  }
  return "grid";
}

SweepDefinition load_sweep(const std::string& path, const Model& model) {
  SweepDefinition sweep;
  sweep.path = path;
  sweep.text = read_file_text(path, "sweep file");
  const ConfigNode root = parse_scenario_text(sweep.text, path);
  check_allowed_keys(root, "", kTopLevelKeys);
  check_description(root);
  sweep.replicates = read_replicates(required(root, "", "replicates"));
  const ConfigNode* set_node = root.child("set");
  std::vector<SetEntry> set;
  if (set_node != nullptr && set_node->kind != ConfigNode::Kind::Null) {
    set = read_set(*set_node, model.schema(), "sweep");
  }
  for (const auto& entry : set) sweep.set.push_back(entry.assignment);
  if (const ConfigNode* output = root.child("output")) read_output(*output, model, sweep);
  const ConfigNode& vary = required(root, "", "vary");
  read_vary(vary, model.schema(), sweep);
  check_set_not_varied(set_node, sweep);

  const ConfigNode& base_node = required(root, "", "base");
  const Scenario base = load_base(base_node, set, path, model, sweep.replicates, sweep.base_path);
  if (base.flag("output.firm_snapshots")) {
    throw InputError(base_node.where, "base",
                     "the base scenario asks for firm snapshots (output.firm_snapshots: true); "
                     "sweeps write no snapshots: set output.firm_snapshots to false");
  }
  sweep.base_resolved = base.resolved_yaml();
  check_every_point(sweep, vary.where, model);
  sweep.fingerprint = fingerprint_of(sweep);
  return sweep;
}

std::vector<std::string> point_overrides(const SweepDefinition& sweep, std::size_t point) {
  return overrides_of(sweep, point, sweep.setting_types);
}

Scenario point_scenario(const SweepDefinition& sweep, std::size_t point, const Model& model) {
  // The types come from the schema, not the definition: a definition read back from a result
  // file has the settings but not their types.
  std::vector<SettingType> types;
  for (const auto& key : sweep.settings) {
    const Setting* setting = model.schema().find(key);
    types.push_back(setting != nullptr ? setting->type : SettingType::Number);
  }
  return Scenario::from_yaml(sweep.base_resolved, sweep.path, model.schema(),
                             LoadOptions{overrides_of(sweep, point, types)});
}

}  // namespace sim
