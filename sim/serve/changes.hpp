// What the web app's controls ask for, as the command line would say it: a lever or assumption
// changed from a start date, optionally per cluster, turned into `--set` assignments on top of
// the base scenario; and the controls themselves, generated from the schema.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/config/scenario.hpp"

namespace sim::serve {

// One control's change. `value` applies to every cluster, `clusters` to the named ones (over
// `value`); both from the quarter `from` names on, the base scenario's schedule before it.
struct Change {
  std::string key;
  std::optional<double> value;
  std::optional<std::string> from;  // "2016" or "2016Q3"; none: the whole run
  std::map<std::string, double> clusters;
};

// Levers are the province's instruments (`policy.*`); assumptions describe the world the levers
// act on (markets, firms, talent, funds, ...) and apply to the counterfactual too.
bool is_lever(const std::string& key);
// Settings the app offers: numbers, integers and switches, outside run/world/goals/calibration
// (the run's size and seed have controls of their own).
bool is_control(const Setting& setting);

// Reads the changes of a request body's "changes" array; throws InputError (file "request",
// key "changes[i]...") for anything malformed, an unknown setting or one the app does not
// offer. At most kMaxChanges.
inline constexpr std::size_t kMaxChanges = 200;
std::vector<Change> parse_changes(const nlohmann::json& changes, const Schema& schema);

// The `--set` assignment that makes `change` on top of `base`: the base's schedule of each
// cluster up to the start, the new value from it. Cluster ids are checked against the base's.
std::string to_assignment(const Change& change, const Scenario& base);

// Every control as JSON for the page: key, family, unit, min, max, default, the base
// scenario's value (resolved YAML), description, whether it varies by date and cluster.
nlohmann::json controls_json(const Scenario& base);

}  // namespace sim::serve
