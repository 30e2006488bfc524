#include "sim/serve/changes.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "sim/core/errors.hpp"

namespace sim::serve {
namespace {

const char* const kRequest = "request";

[[noreturn]] void bad(const std::string& key, const std::string& detail) {
  throw InputError({kRequest, 0, 0}, key, detail);
}

std::string top_group(const std::string& key) {
  return key.substr(0, key.find('.'));
}

// A lever's family is its group under policy ("guide_fund"); an assumption's its top group.
std::string family(const std::string& key) {
  if (!is_lever(key)) return top_group(key);
  const std::string rest = key.substr(key.find('.') + 1);
  const auto dot = rest.find('.');
  return dot == std::string::npos ? "tax and switches" : rest.substr(0, dot);
}

std::string format_value(const Setting& setting, double x) {
  if (setting.type == SettingType::Integer || setting.type == SettingType::Boolean) {
    return fmt::format("{}", static_cast<long long>(x));
  }
  return fmt::format("{}", x);
}

double read_number(const nlohmann::json& node, const Setting& setting, const std::string& where) {
  double x = 0.0;
  if (node.is_number()) {
    x = node.get<double>();
  } else if (node.is_boolean() && setting.type == SettingType::Boolean) {
    x = node.get<bool>() ? 1.0 : 0.0;
  } else {
    bad(where, "must be a number");
  }
  if (!std::isfinite(x)) bad(where, "must be a finite number");
  return x;
}

std::string read_from(const nlohmann::json& node, const std::string& where) {
  if (node.is_number_integer()) return fmt::format("{}", node.get<long long>());
  if (node.is_string() && node.get<std::string>().size() <= 16) return node.get<std::string>();
  bad(where, "must be a year (2016) or a quarter (\"2016Q3\")");
}

Change read_change(const nlohmann::json& node, const Schema& schema, const std::string& where) {
  if (!node.is_object()) bad(where, "must be an object {key, value, from, clusters}");
  Change change;
  for (const auto& [name, item] : node.items()) {
    if (name != "key" && name != "value" && name != "from" && name != "clusters") {
      bad(fmt::format("{}.{}", where, name),
          "is not a field of a change (key, value, from, clusters)");
    }
  }
  if (!node.contains("key") || !node["key"].is_string()) bad(where + ".key", "must be a setting");
  change.key = node["key"].get<std::string>();
  const Setting* setting = schema.find(change.key);
  if (setting == nullptr) {
    const auto near = schema.suggest(change.key);
    bad(where + ".key", fmt::format("'{}' is not a setting{}", change.key.substr(0, 200),
                                    near ? fmt::format(" (did you mean {}?)", *near) : ""));
  }
  if (!is_control(*setting)) bad(where + ".key", fmt::format("'{}' has no control", change.key));
  if (node.contains("value") && !node["value"].is_null()) {
    change.value = read_number(node["value"], *setting, where + ".value");
  }
  if (node.contains("from") && !node["from"].is_null()) {
    if (!setting->by_date)
      bad(where + ".from", fmt::format("{} does not vary by date", change.key));
    change.from = read_from(node["from"], where + ".from");
  }
  if (node.contains("clusters") && !node["clusters"].is_null()) {
    const auto& clusters = node["clusters"];
    if (!clusters.is_object()) bad(where + ".clusters", "must map cluster ids to numbers");
    if (!clusters.empty() && !setting->by_cluster) {
      bad(where + ".clusters", fmt::format("{} does not vary by cluster", change.key));
    }
    for (const auto& [id, value] : clusters.items()) {
      change.clusters[id] = read_number(value, *setting, fmt::format("{}.clusters.{}", where, id));
    }
  }
  if (!change.value && change.clusters.empty()) {
    bad(where, fmt::format("the change of {} gives no value", change.key));
  }
  return change;
}

// The schedule of one cluster: the base's points before `start` (all of them when the change
// has no value for the cluster), then the new value from `start`.
Schedule changed_schedule(const Schedule& base, int start, std::optional<double> value) {
  if (!value) return base;
  std::vector<std::pair<int, double>> points;
  for (const auto& point : base.points()) {
    if (point.first < start) points.push_back(point);
  }
  points.emplace_back(start, *value);
  // The first point stands for the time before every other (Schedule's convention).
  if (points.size() == 1) return Schedule(*value);
  return Schedule(points, Schedule(points.front().second));
}

std::string schedule_yaml(const Setting& setting, const Schedule& schedule, int first_quarter) {
  std::vector<std::pair<int, double>> shown;
  for (const auto& [q, x] : schedule.points()) {
    if (q <= first_quarter) {
      shown.assign(1, {first_quarter, x});
    } else {
      shown.emplace_back(q, x);
    }
  }
  if (shown.size() == 1) return format_value(setting, shown.front().second);
  std::string out = "{";
  for (const auto& [q, x] : shown) {
    if (out.size() > 1) out += ", ";
    out += fmt::format("{}: {}", quarter_label(q), format_value(setting, x));
  }
  return out + "}";
}

int start_quarter(const Change& change, const Scenario& base) {
  const int first = base.calendar().first_quarter;
  if (!change.from) return first;
  const auto date = parse_date(*change.from);
  if (!date) bad(change.key + ".from", fmt::format("'{}' is not a year or quarter", *change.from));
  return std::max(first,
                  quarter_number(*date) + (quarter_start(quarter_number(*date)) == *date ? 0 : 1));
}

}  // namespace

bool is_lever(const std::string& key) {
  return top_group(key) == "policy";
}

bool is_control(const Setting& setting) {
  static const std::vector<std::string> kNoControl = {
      "run", "world", "goals", "calibration", "output", "name", "description"};
  const bool numeric = setting.type == SettingType::Number ||
                       setting.type == SettingType::Integer || setting.type == SettingType::Boolean;
  return numeric && std::find(kNoControl.begin(), kNoControl.end(), top_group(setting.key)) ==
                        kNoControl.end();
}

std::vector<Change> parse_changes(const nlohmann::json& changes, const Schema& schema) {
  if (!changes.is_array()) bad("changes", "must be a list");
  if (changes.size() > kMaxChanges) {
    bad("changes", fmt::format("holds {} changes; at most {}", changes.size(), kMaxChanges));
  }
  std::vector<Change> out;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    out.push_back(read_change(changes[i], schema, fmt::format("changes[{}]", i)));
  }
  return out;
}

std::string to_assignment(const Change& change, const Scenario& base) {
  const SettingValue& now = base.value(change.key);
  const Setting& setting = *now.setting;
  const ClusterCatalog& catalogue = base.clusters();
  for (const auto& [id, value] : change.clusters) {
    if (!catalogue.index_of(id)) {
      bad(change.key + ".clusters." + id.substr(0, 100),
          fmt::format("'{}' is not a cluster of the scenario", id.substr(0, 100)));
    }
  }
  const int start = start_quarter(change, base);
  const int first = base.calendar().first_quarter;
  std::vector<std::string> shown(catalogue.size());
  for (std::size_t c = 0; c < catalogue.size(); ++c) {
    const auto named = change.clusters.find(catalogue[c].id);
    const std::optional<double> value =
        named != change.clusters.end() ? std::optional<double>(named->second) : change.value;
    shown[c] = schedule_yaml(setting, changed_schedule(now.per_cluster[c], start, value), first);
  }
  // The most common schedule is the default; clusters with another are listed by id.
  std::string common = shown.front();
  std::size_t most = 0;
  for (const auto& candidate : shown) {
    const auto n = static_cast<std::size_t>(std::count(shown.begin(), shown.end(), candidate));
    if (n > most) {
      most = n;
      common = candidate;
    }
  }
  if (most == shown.size()) return fmt::format("{}={}", change.key, common);
  std::string out = fmt::format("{}={{default: {}", change.key, common);
  for (std::size_t c = 0; c < catalogue.size(); ++c) {
    if (shown[c] != common) out += fmt::format(", {}: {}", catalogue[c].id, shown[c]);
  }
  return out + "}";
}

nlohmann::json controls_json(const Scenario& base) {
  const YAML::Node resolved = YAML::Load(base.resolved_yaml());
  auto base_value = [&](const std::string& key) {
    YAML::Node node = YAML::Clone(resolved);
    std::size_t begin = 0;
    while (true) {
      const auto dot = key.find('.', begin);
      node = node[key.substr(begin, dot == std::string::npos ? dot : dot - begin)];
      if (dot == std::string::npos) break;
      begin = dot + 1;
    }
    YAML::Emitter out;
    out << YAML::Flow << node;
    return std::string(out.c_str());
  };
  nlohmann::json controls = nlohmann::json::array();
  for (const Setting& s : base.schema().settings()) {
    if (!is_control(s)) continue;
    const SettingValue& now = base.value(s.key);
    const bool constant = now.overrides.empty() && now.base.is_constant();
    controls.push_back({{"key", s.key},
                        {"kind", is_lever(s.key) ? "lever" : "assumption"},
                        {"family", family(s.key)},
                        {"type", type_name(s.type)},
                        {"unit", s.unit},
                        {"min", std::isfinite(s.min) ? nlohmann::json(s.min) : nlohmann::json()},
                        {"max", std::isfinite(s.max) ? nlohmann::json(s.max) : nlohmann::json()},
                        {"default", s.default_yaml},
                        {"base", base_value(s.key)},
                        {"base_number", constant ? nlohmann::json(now.per_cluster.front().at(
                                                       base.calendar().first_quarter))
                                                 : nlohmann::json()},
                        {"description", s.description},
                        {"by_date", s.by_date},
                        {"by_cluster", s.by_cluster}});
  }
  return controls;
}

}  // namespace sim::serve
