#include "sim/config/scenario_diff.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

namespace sim {
namespace {

// A node written on one line: flow style all the way down (parsed nodes keep their block style).
void set_flow(YAML::Node node) {
  if (!node.IsMap() && !node.IsSequence()) return;
  node.SetStyle(YAML::EmitterStyle::Flow);
  for (auto entry : node) set_flow(node.IsMap() ? entry.second : entry);
}

// Every setting of a resolved scenario as one line of flow YAML, by its dotted key.
std::map<std::string, std::string> flat_settings(const std::string& yaml, const Schema& schema) {
  std::map<std::string, std::string> out;
  const YAML::Node root = YAML::Load(yaml);
  const auto walk = [&](const auto& self, const YAML::Node& node,
                        const std::string& prefix) -> void {
    for (const auto& entry : node) {
      const std::string key =
          prefix.empty() ? entry.first.Scalar() : prefix + "." + entry.first.Scalar();
      if (schema.find(key) == nullptr && entry.second.IsMap()) {
        self(self, entry.second, key);
        continue;
      }
      YAML::Node value = YAML::Clone(entry.second);
      set_flow(value);
      YAML::Emitter text;
      text << value;
      out[key] = text.c_str();
    }
  };
  walk(walk, root, "");
  return out;
}

}  // namespace

ScenarioDifferences differing_settings(const Scenario& left, const Scenario& right) {
  return differing_settings(left.resolved_yaml(), right.resolved_yaml(), left.schema());
}

ScenarioDifferences differing_settings(const std::string& left_yaml, const std::string& right_yaml,
                                       const Schema& schema) {
  const auto a = flat_settings(left_yaml, schema), b = flat_settings(right_yaml, schema);
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  ScenarioDifferences out;
  out.settings = keys.size();
  for (const auto& key : keys) {
    const auto x = a.find(key), y = b.find(key);
    const std::string lhs = x == a.end() ? "(not set)" : x->second;
    const std::string rhs = y == b.end() ? "(not set)" : y->second;
    if (lhs != rhs) out.differences.push_back({key, lhs, rhs});
  }
  return out;
}

}  // namespace sim
