// The settings in which two resolved scenarios differ, each written as one line of flow YAML
// (schedules and per-cluster values included): what `clustersim diff` prints and the report's
// "settings that differ" table shows.
#pragma once

#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace sim {

struct SettingDifference {
  std::string key;          // dotted, e.g. "policy.guide_fund.capital_per_year"
  std::string left, right;  // flow YAML, or "(not set)"
};

struct ScenarioDifferences {
  std::vector<SettingDifference> differences;  // in key order
  std::size_t settings = 0;                    // keys compared
};

ScenarioDifferences differing_settings(const Scenario& left, const Scenario& right);
// The same from two resolved scenarios' YAML (Scenario::resolved_yaml, a result file's
// /scenario), read against `schema`; throws YAML::Exception for text that is not YAML.
ScenarioDifferences differing_settings(const std::string& left_yaml, const std::string& right_yaml,
                                       const Schema& schema);

}  // namespace sim
