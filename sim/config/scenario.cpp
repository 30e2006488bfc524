#include "sim/config/scenario.hpp"

#include "sim/config/limits.hpp"
#include "sim/config/scenario_library.hpp"
#include "sim/core/spelling.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

namespace fs = std::filesystem;

namespace sim {
namespace {

constexpr const char* kDateForms = "a year (2015), a quarter (2015Q4) or an ISO date (2015-10-01)";

// The setting an unknown key meant, judged on the whole path written under it: for
// `polcy: {hnte_tax_rate: 0.1}` the key is `polcy`, but `polcy.hnte_tax_rate` says more. The
// path follows each first entry down while it reads as a name (not a date, a cluster's
// `default` or a list), at most 4 levels.
std::optional<std::string> suggest_setting(const ConfigEntry& entry, const std::string& key,
                                           const Schema& schema) {
  std::vector<std::string> paths = {key};
  const ConfigNode* node = &entry.value;
  while (node->kind == ConfigNode::Kind::Map && !node->entries.empty() && paths.size() < 4) {
    const ConfigEntry& first = node->entries.front();
    if (first.key.empty() || looks_like_date(first.key) || first.key == "default") break;
    paths.push_back(paths.back() + "." + first.key);
    node = &first.value;
  }
  // The deepest path first: it says the most about what was meant.
  for (std::size_t i = paths.size(); i-- > 0;) {
    if (auto suggestion = schema.suggest(paths[i])) return suggestion;
  }
  return std::nullopt;
}

// An unknown cluster id, with the nearest id and the catalogue's ids (the first 40).
std::string unknown_cluster(const std::string& id, const ClusterCatalog& catalogue) {
  constexpr std::size_t kListed = 40;
  std::vector<std::string> ids;
  for (const auto& c : catalogue.all()) ids.push_back(c.id);
  std::string out = fmt::format("unknown cluster id '{}'", id);
  if (auto nearest = closest(id, ids)) out += fmt::format("; did you mean '{}'?", *nearest);
  const std::size_t shown = std::min(ids.size(), kListed);
  out +=
      fmt::format(" The {} clusters of world.clusters_file are {}", ids.size(),
                  fmt::join(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(shown), ", "));
  if (shown < ids.size()) out += fmt::format(" and {} more", ids.size() - shown);
  return out;
}

// "a number", "an integer", ...
std::string a_type(SettingType type) {
  const std::string name = type_name(type);
  return (name.front() == 'i' ? "an " : "a ") + name;
}

std::string join_key(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// The quarter from which a dated value applies: the quarter it starts, else the next one.
int first_quarter_on_or_after(const Date& d) {
  const int q = quarter_number(d);
  return quarter_start(q) == d ? q : q + 1;
}

std::string describe_range(const Setting& s) {
  std::string unit = s.unit.empty() || s.unit == "1" ? "" : " " + s.unit;
  return fmt::format("[{:g}, {:g}]{}", s.min, s.max, unit);
}

const ConfigNode* find_path(const ConfigNode& tree, const std::string& key) {
  const ConfigNode* n = &tree;
  for (const auto& part : split_key(key)) {
    if (n == nullptr || n->kind != ConfigNode::Kind::Map) return nullptr;
    n = n->child(part);
  }
  return n;
}

ConfigNode parse_default(const Setting& setting) {
  const std::string file = "<default of " + setting.key + ">";
  ConfigNode root;
  // Reuse the tree reader through a one-entry override so that defaults parse exactly like
  // user values.
  apply_override(root, setting.key + "=" + setting.default_yaml);
  ConfigNode out = *find_path(root, setting.key);
  out.where = Location{file, 0, 0};
  return out;
}

// Whether a path names an existing file or folder; false too when the file system cannot tell
// (a name too long, a component that is a file), where the throwing overloads would throw.
bool exists_quietly(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Folder against which a relative path written at `where` is resolved.
fs::path folder_of(const Location& where, const std::string& base_dir) {
  const bool from_file = !where.file.empty() && where.file.front() != '<' &&
                         where.file.rfind("--set ", 0) != 0 && exists_quietly(where.file);
  return from_file ? fs::path(where.file).parent_path() : fs::path(base_dir);
}

// A relative path is taken from the folder of the file that wrote it. A setting's default
// (data/clusters.csv) is looked for next to the scenario, then in the shipped scenarios'
// folders, so that a scenario in the user's own folder runs on the shipped data.
std::string absolute_path(const std::string& text, const Location& where,
                          const std::string& base_dir) {
  fs::path p = text;
  if (p.is_relative()) {
    p = folder_of(where, base_dir) / text;
    if (where.file.starts_with("<default") && !exists_quietly(p.string())) {
      for (const auto& folder : scenario_folders()) {
        if (exists_quietly((folder / text).string())) {
          p = folder / text;
          break;
        }
      }
    }
  }
  return fs::absolute(p).lexically_normal().string();
}

std::string format_number(const Setting& s, double x) {
  if (s.type == SettingType::Boolean) return x != 0.0 ? "true" : "false";
  if (s.type == SettingType::Integer) return fmt::format("{}", static_cast<std::int64_t>(x));
  return fmt::format("{}", x);
}

// True when yaml-cpp writes `text` in `style` (as a mapping's key or as a value) so that it
// reads back byte for byte. Its emitter replaces bytes that are not UTF-8 (a folder's name may
// hold any bytes but '/' and NUL) and a few code points by U+FFFD, and a plain key `~` reads back
// as no text at all.
bool survives_yaml(const std::string& text, YAML::EMITTER_MANIP style, bool as_key) {
  YAML::Emitter trial;
  if (as_key) {
    trial << YAML::BeginMap << YAML::Key << style << text << YAML::Value << 0 << YAML::EndMap;
  } else {
    trial << style << text;
  }
  if (!trial.good()) return false;
  try {
    const YAML::Node back = YAML::Load(trial.c_str());
    if (!as_key) return back.IsScalar() && back.Scalar() == text;
    if (!back.IsMap() || back.size() != 1) return false;
    const YAML::Node key = back.begin()->first;
    return key.IsScalar() && key.Scalar() == text;
  } catch (const YAML::Exception&) {
    return false;
  }
}

// Writes a text so that it reads back byte for byte: in `style` if that carries it, else
// double-quoted, else as !!binary (base64 of its bytes), which the reader (config_tree.cpp)
// turns back into the bytes.
void emit_text(YAML::Emitter& out, const std::string& text, YAML::EMITTER_MANIP style,
               bool as_key) {
  if (survives_yaml(text, style, as_key)) {
    out << style << text;
  } else if (style != YAML::DoubleQuoted && survives_yaml(text, YAML::DoubleQuoted, as_key)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << YAML::Binary(reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
}

}  // namespace

Schedule::Schedule(const std::vector<std::pair<int, double>>& points, const Schedule& before) {
  for (const auto& p : before.points_) {
    if (p.first < points.front().first) points_.push_back(p);
  }
  points_.insert(points_.end(), points.begin(), points.end());
  points_.front().first = kBeginningOfTime;
}

double Schedule::at(int quarter) const {
  double value = points_.front().second;
  for (const auto& [q, v] : points_) {
    if (q > quarter) break;
    value = v;
  }
  return value;
}

Scenario Scenario::load(const std::string& path, const Schema& schema, const LoadOptions& options) {
  const std::string located = locate_scenario(path);
  ConfigNode tree = read_scenario_tree(located, schema);
  const std::string base_dir = fs::absolute(located).parent_path().string();
  return resolve(std::move(tree), located, base_dir, schema, options);
}

Scenario Scenario::from_yaml(const std::string& yaml, const std::string& name_for_errors,
                             const Schema& schema, const LoadOptions& options) {
  ConfigNode document = parse_scenario_text(yaml, name_for_errors);
  if (const ConfigNode* parent = document.child("extends")) {
    throw InputError(parent->where, "extends",
                     "a scenario given as text cannot extend a file; load it from a file");
  }
  return resolve(std::move(document), name_for_errors, fs::current_path().string(), schema,
                 options);
}

Scenario Scenario::resolve(ConfigNode tree, const std::string& source, const std::string& base_dir,
                           const Schema& schema, const LoadOptions& options) {
  if (options.overrides.size() > limits::kOverrides) {
    throw InputError({"--set", 0, 0}, "--set",
                     fmt::format("{} overrides; a run takes at most {}", options.overrides.size(),
                                 limits::kOverrides));
  }
  for (const auto& assignment : options.overrides) apply_override(tree, assignment, &schema);
  Scenario sc;
  sc.source_ = source;
  sc.base_dir_ = base_dir;
  sc.schema_ = &schema;

  // Unknown keys first, then the catalogue: per-cluster values are checked against its ids.
  check_keys(tree, "", schema);
  const Setting* catalogue_setting = schema.find("world.clusters_file");
  const ConfigNode* catalogue_node = find_path(tree, "world.clusters_file");
  const SettingValue catalogue = sc.resolve_setting(
      *catalogue_setting,
      catalogue_node != nullptr ? *catalogue_node : parse_default(*catalogue_setting));
  std::error_code ec;
  if (!fs::is_regular_file(catalogue.text, ec)) {
    throw InputError(catalogue.where, "world.clusters_file",
                     fmt::format("cluster catalogue '{}' is not a readable file", catalogue.text));
  }
  sc.clusters_ = ClusterCatalog::read(catalogue.text);

  sc.walk(tree, "");
  for (const auto& setting : schema.settings()) {
    if (!sc.values_.contains(setting.key)) {
      sc.values_[setting.key] = sc.resolve_setting(setting, parse_default(setting));
    }
  }
  sc.calendar_.first_quarter = quarter_number(sc.date("run.start"));
  sc.calendar_.last_quarter = quarter_number(sc.date("run.end"));
  for (const auto& check : schema.checks()) check(sc);
  return sc;
}

void Scenario::check_keys(const ConfigNode& node, const std::string& prefix, const Schema& schema) {
  for (const auto& entry : node.entries) {
    const std::string key = join_key(prefix, entry.key);
    if (schema.find(key) != nullptr) continue;
    if (!schema.is_group(key)) {
      std::string detail = "unknown setting";
      if (auto suggestion = suggest_setting(entry, key, schema)) {
        detail += fmt::format("; did you mean '{}'?", *suggestion);
      }
      throw InputError(entry.key_where, key, detail);
    }
    if (entry.value.kind == ConfigNode::Kind::Map) {
      check_keys(entry.value, key, schema);
    } else if (entry.value.kind != ConfigNode::Kind::Null) {
      throw InputError(entry.value.where, key,
                       fmt::format("'{}' is a group of settings; expected a mapping, found {}", key,
                                   entry.value.kind_name()));
    }
  }
}

void Scenario::walk(const ConfigNode& node, const std::string& prefix) {
  // Keys were checked by check_keys: each entry is a setting or a group.
  for (const auto& entry : node.entries) {
    const std::string key = join_key(prefix, entry.key);
    if (const Setting* setting = schema_->find(key)) {
      values_[key] = resolve_setting(*setting, entry.value);
    } else if (entry.value.kind == ConfigNode::Kind::Map) {
      walk(entry.value, key);
    }
  }
}

double Scenario::parse_scalar(const Setting& setting, const ConfigNode& node) {
  const std::string& key = setting.key;
  if (node.kind != ConfigNode::Kind::Scalar || node.quoted) {
    throw InputError(node.where, key,
                     fmt::format("expected {}, found {}", a_type(setting.type),
                                 node.quoted ? "quoted text" : node.kind_name()));
  }
  const std::string& t = node.scalar;
  double value = 0.0;
  if (setting.type == SettingType::Boolean) {
    if (t == "true" || t == "yes" || t == "on") return 1.0;
    if (t == "false" || t == "no" || t == "off") return 0.0;
    throw InputError(node.where, key, fmt::format("expected true or false, found '{}'", t));
  }
  // YAML reads "+0.1" as a number; from_chars does not take the sign.
  const std::size_t skip = t.size() > 1 && t[0] == '+' && t[1] != '-' && t[1] != '+' ? 1 : 0;
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(t.data() + skip, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    throw InputError(node.where, key,
                     fmt::format("expected {}, found '{}'", a_type(setting.type), t));
  }
  if (setting.type == SettingType::Integer && value != std::floor(value)) {
    throw InputError(node.where, key, fmt::format("expected a whole number, found '{}'", t));
  }
  if (value < setting.min || value > setting.max) {
    throw InputError(node.where, key,
                     fmt::format("{} is outside the allowed range {}", t, describe_range(setting)));
  }
  return value;
}

Schedule Scenario::parse_schedule(const Setting& setting, const ConfigNode& node,
                                  const Schedule& before) {
  if (node.kind != ConfigNode::Kind::Map) return Schedule(parse_scalar(setting, node));
  if (!setting.by_date) {
    throw InputError(node.where, setting.key,
                     "this setting does not vary by date; give a single value");
  }
  std::vector<std::pair<int, double>> points;
  for (const auto& entry : node.entries) {
    const auto d = parse_date(entry.key);
    if (!d) {
      throw InputError(entry.key_where, setting.key,
                       fmt::format("bad date '{}': expected {}", entry.key, kDateForms));
    }
    const int q = first_quarter_on_or_after(*d);
    for (const auto& p : points) {
      if (p.first == q) {
        throw InputError(entry.key_where, setting.key,
                         fmt::format("two dates of this schedule apply from the same quarter {}",
                                     quarter_label(q)));
      }
    }
    points.emplace_back(q, parse_scalar(setting, entry.value));
  }
  if (points.empty()) throw InputError(node.where, setting.key, "empty schedule");
  std::sort(points.begin(), points.end());
  return Schedule(points, before);
}

SettingValue Scenario::resolve_setting(const Setting& setting, const ConfigNode& node) const {
  SettingValue v;
  v.setting = &setting;
  v.where = node.where;
  const std::string& key = setting.key;
  auto scalar_text = [&]() -> const std::string& {
    if (node.kind != ConfigNode::Kind::Scalar) {
      throw InputError(
          node.where, key,
          fmt::format("expected {}, found {}", a_type(setting.type), node.kind_name()));
    }
    return node.scalar;
  };
  switch (setting.type) {
    case SettingType::Text:
      v.text = node.kind == ConfigNode::Kind::Null ? "" : scalar_text();
      return v;
    case SettingType::Path:
      // A path whose default is "" is optional: empty means no file.
      if (setting.default_yaml == "\"\"" &&
          (node.kind == ConfigNode::Kind::Null ||
           (node.kind == ConfigNode::Kind::Scalar && node.scalar.empty()))) {
        return v;
      }
      if (scalar_text().empty()) throw InputError(node.where, key, "expected a file path");
      v.text = absolute_path(node.scalar, node.where, base_dir_);
      return v;
    case SettingType::Date: {
      const auto d = parse_date(scalar_text());
      if (!d) {
        throw InputError(node.where, key,
                         fmt::format("bad date '{}': expected {}", node.scalar, kDateForms));
      }
      v.date = *d;
      return v;
    }
    default:
      break;
  }
  // Numbers: before the first date of a value, the schema default applies.
  const bool is_default = node.where.file.rfind("<default", 0) == 0;
  // A default has nothing before it: its first value extends back to the beginning of time.
  const Schedule fallback = is_default ? Schedule{} : values_default(setting);
  v.base = is_default ? Schedule(0.0) : fallback;  // (schema defaults are never per cluster)
  // A mapping is per cluster when a key reads as a cluster id rather than a (bad) date, so
  // that {2014: 0.5, 2015Q5: 0.6} reports its bad date.
  auto cluster_like = [&](const std::string& k) {
    return k == "default" || clusters_.index_of(k).has_value() ||
           (!parse_date(k) && !looks_like_date(k));
  };
  bool has_cluster_keys = false;
  if (node.kind == ConfigNode::Kind::Map) {
    for (const auto& entry : node.entries) {
      if (cluster_like(entry.key)) has_cluster_keys = true;
    }
  }
  if (!has_cluster_keys) {
    v.base = parse_schedule(setting, node, fallback);
  } else {
    if (!setting.by_cluster) {
      const auto& first_cluster =
          *std::find_if(node.entries.begin(), node.entries.end(),
                        [&](const ConfigEntry& e) { return cluster_like(e.key); });
      throw InputError(first_cluster.key_where, key, "this setting does not vary by cluster");
    }
    if (const ConfigNode* d = node.child("default")) v.base = parse_schedule(setting, *d, fallback);
    for (const auto& entry : node.entries) {
      if (entry.key == "default") continue;
      const auto index = clusters_.index_of(entry.key);
      if (!index) {
        if (parse_date(entry.key)) {
          throw InputError(entry.key_where, key,
                           "a mapping mixes dates and cluster ids; write per-cluster schedules "
                           "as {default: {2015: x}, cluster_id: {2016: y}}");
        }
        if (looks_like_date(entry.key)) {
          throw InputError(entry.key_where, key,
                           fmt::format("bad date '{}': expected {}", entry.key, kDateForms));
        }
        throw InputError(entry.key_where, key, unknown_cluster(entry.key, clusters_));
      }
      v.overrides.emplace_back(*index, parse_schedule(setting, entry.value, v.base));
    }
  }
  v.per_cluster.assign(std::max<std::size_t>(clusters_.size(), 1), v.base);
  for (const auto& [index, schedule] : v.overrides) v.per_cluster[index] = schedule;
  return v;
}

Schedule Scenario::values_default(const Setting& setting) const {
  return resolve_setting(setting, parse_default(setting)).base;
}

std::string Scenario::name() const {
  const std::string& n = text("name");
  return n.empty() ? fs::path(source_).stem().string() : n;
}

const SettingValue& Scenario::value(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("setting not in the schema: " + key);
  return it->second;
}

double Scenario::number(const std::string& key) const {
  const SettingValue& v = value(key);
  if (!v.overrides.empty() || !v.base.is_constant()) {
    fail(key, "this setting must be a single value here, not a schedule or per-cluster mapping");
  }
  return v.base.at(0);
}

std::int64_t Scenario::integer(const std::string& key) const {
  return static_cast<std::int64_t>(number(key));
}

void Scenario::fail(const std::string& key, const std::string& detail) const {
  throw InputError(value(key).where, key, detail);
}

void Scenario::fail_written(std::initializer_list<std::string> keys,
                            const std::string& detail) const {
  for (const auto& key : keys) {
    if (value(key).where.file.rfind("<default", 0) != 0) fail(key, detail);
  }
  fail(*keys.begin(), detail);
}

std::string Scenario::resolved_yaml() const {
  YAML::Emitter out;
  const int start = calendar_.first_quarter;
  auto emit_schedule = [&](const Setting& s, const Schedule& schedule) {
    std::vector<std::pair<int, double>> shown;
    for (const auto& [q, x] : schedule.points()) {
      if (q <= start) {
        shown.assign(1, {start, x});
      } else {
        shown.emplace_back(q, x);
      }
    }
    if (shown.size() == 1) {
      out << YAML::Value << format_number(s, shown.front().second);
      return;
    }
    out << YAML::Flow << YAML::BeginMap;
    for (const auto& [q, x] : shown) {
      out << YAML::Key << quarter_label(q) << YAML::Value << format_number(s, x);
    }
    out << YAML::EndMap;
  };
  auto emit_value = [&](const SettingValue& v) {
    const Setting& s = *v.setting;
    switch (s.type) {
      case SettingType::Text:
      case SettingType::Path:
        emit_text(out, v.text, YAML::DoubleQuoted, false);
        return;
      case SettingType::Date: {
        const int q = quarter_number(v.date);
        out << (quarter_start(q) == v.date ? quarter_label(q) : v.date.iso());
        return;
      }
      default:
        break;
    }
    if (v.overrides.empty()) {
      emit_schedule(s, v.base);
      return;
    }
    out << YAML::BeginMap << YAML::Key << "default" << YAML::Value;
    emit_schedule(s, v.base);
    for (const auto& [index, schedule] : v.overrides) {
      out << YAML::Key;
      emit_text(out, clusters_[index].id, YAML::Auto, true);
      out << YAML::Value;
      emit_schedule(s, schedule);
    }
    out << YAML::EndMap;
  };
  // Keys in sorted order, nested by their dotted components.
  std::vector<std::string> open;
  out << YAML::BeginMap;
  for (const auto& [key, v] : values_) {
    const auto parts = split_key(key);
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common]) {
      ++common;
    }
    while (open.size() > common) {
      out << YAML::EndMap;
      open.pop_back();
    }
    for (std::size_t i = common; i + 1 < parts.size(); ++i) {
      out << YAML::Key << parts[i] << YAML::Value << YAML::BeginMap;
      open.push_back(parts[i]);
    }
    out << YAML::Key << parts.back() << YAML::Value;
    emit_value(v);
  }
  while (!open.empty()) {
    out << YAML::EndMap;
    open.pop_back();
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void add_engine_settings(Schema& schema) {
  schema.add(text("name", "\"\"", "Short name of the scenario (defaults to the file name)."));
  schema.add(text("description", "\"\"", "What the scenario represents, in a sentence or two."));
  schema.add(text("plan", "\"\"",
                  "The policy document the scenario models, under its own title (in Chinese for "
                  "the Shandong plan); reports and the web app print it."));
  schema.add(date("run.start", "2014Q1", "First quarter simulated."));
  schema.add(date("run.end", "2020Q4", "Last quarter simulated (inclusive)."));
  schema.add(integer("run.replicates", "runs", 1, kMaxReplicates, "32",
                     "Number of stochastic replicates of the ensemble."));
  schema.add(integer("run.seed", "", 0, 9007199254740991.0, "20150123",
                     "Seed of the counter-based random streams; same seed, same results."));
  schema.add(path("calibration.file", "\"\"",
                  "Result file of `clustersim calibrate`: each replicate runs with the settings "
                  "of one particle drawn from its posterior (by weight, keyed by seed and "
                  "replicate), so goals and comparisons carry parameter uncertainty; empty: "
                  "none. Relative to the scenario file that sets it."));
  schema.add(path("world.clusters_file", "data/clusters.csv",
                  "Cluster catalogue (CSV: id, name, name_zh, region, kind, host_city), relative "
                  "to the scenario file that sets it."));
  schema.add_check([](const Scenario& sc) {
    if (sc.date("run.end") < sc.date("run.start")) {
      sc.fail_written({"run.end", "run.start"},
                      fmt::format("the run ends ({}) before it starts ({})",
                                  sc.date("run.end").iso(), sc.date("run.start").iso()));
    }
    constexpr int kMaxSteps = 4 * 200;
    if (sc.calendar().steps() > kMaxSteps) {
      sc.fail("run.end", fmt::format("the run spans {} quarters; at most {} are allowed",
                                     sc.calendar().steps(), kMaxSteps));
    }
  });
}

}  // namespace sim
