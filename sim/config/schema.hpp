// The schema: every scenario setting declared once, with type, unit, range, default and a
// one-line description. Validation, defaults and the settings documentation all come from here.
#pragma once

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace sim {

class Scenario;

enum class SettingType { Number, Integer, Boolean, Text, Date, Path };

std::string type_name(SettingType type);

struct Setting {
  std::string key;  // dotted path, e.g. "policy.rd_super_deduction"
  SettingType type = SettingType::Number;
  std::string unit;  // "1" for dimensionless shares, "yuan/year", ...
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  // Default as YAML text, parsed like a user's value: "0.25", "2014Q1", "{2014: 0.5, 2018: 0.75}".
  std::string default_yaml;
  std::string description;
  bool by_date = false;     // may be a schedule by date
  bool by_cluster = false;  // may have per-cluster overrides
};

// Shorthands for declaring settings.
Setting number(std::string key, std::string unit, double min, double max, std::string default_yaml,
               std::string description);
Setting integer(std::string key, std::string unit, double min, double max, std::string default_yaml,
                std::string description);
Setting boolean(std::string key, std::string default_yaml, std::string description);
Setting text(std::string key, std::string default_yaml, std::string description);
Setting date(std::string key, std::string default_yaml, std::string description);
Setting path(std::string key, std::string default_yaml, std::string description);
// A number that may vary by date and by cluster: what every policy lever is.
Setting lever(std::string key, std::string unit, double min, double max, std::string default_yaml,
              std::string description);

// A check across settings (e.g. the end of a run after its start); throws InputError through
// Scenario::fail when the scenario is contradictory.
using ScenarioCheck = std::function<void(const Scenario&)>;

class Schema {
 public:
  void add(Setting setting);
  void add_check(ScenarioCheck check) { checks_.push_back(std::move(check)); }

  const Setting* find(const std::string& key) const;
  // True when key is a group: a proper prefix of some setting's key ("policy", "policy.hnte").
  bool is_group(const std::string& key) const;
  // The setting a mistyped key most likely meant: the shortest setting that key begins
  // (policy.guide_fund.capital -> policy.guide_fund.capital_per_year), else the setting closest
  // in spelling; a group only when no setting is close.
  std::optional<std::string> suggest(const std::string& key) const;

  const std::vector<Setting>& settings() const { return settings_; }
  const std::vector<ScenarioCheck>& checks() const { return checks_; }

  // The whole schema as a Markdown table, sorted by key.
  std::string markdown() const;

 private:
  std::vector<Setting> settings_;
  std::vector<ScenarioCheck> checks_;
};

}  // namespace sim
