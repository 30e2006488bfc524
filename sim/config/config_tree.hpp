// A scenario file's YAML as a tree that remembers where every node was written, with
// `extends:` inheritance and command-line overrides applied.
#pragma once

#include <string>
#include <vector>

#include "sim/core/errors.hpp"

namespace sim {

class Schema;
struct ConfigEntry;

struct ConfigNode {
  enum class Kind { Null, Scalar, Map, Sequence };
  Kind kind = Kind::Null;
  std::string scalar;
  bool quoted = false;  // a quoted scalar is text, never a number
  Location where;
  std::vector<ConfigEntry> entries;  // when a Map, in file order
  std::vector<ConfigNode> items;     // when a Sequence

  const ConfigNode* child(const std::string& key) const;
  std::string kind_name() const;  // with its article: "a mapping", "an empty value"
};

struct ConfigEntry {
  std::string key;
  Location key_where;
  ConfigNode value;
};

// Reads a scenario file and everything it extends, merged: a file's settings replace those
// it extends, setting by setting (a setting's value is replaced whole, except a per-cluster
// mapping without `default`, whose clusters override the inherited value; groups are merged).
// Errors (missing, unreadable or empty file, invalid YAML, a non-mapping document, duplicate
// keys, an `extends` cycle) are InputErrors naming file, line and column.
ConfigNode read_scenario_tree(const std::string& path, const Schema& schema);

// The components of a dotted key path: "policy.hnte.status_quarters" -> {policy, hnte, ...}.
std::vector<std::string> split_key(const std::string& key);

// A mapping key that starts with a digit was meant as a date, even when it is not a valid one;
// any other key of a setting's mapping is a cluster id (or `default`).
bool looks_like_date(const std::string& key);

// Parses one scenario document (no `extends` handling); errors name `file`.
ConfigNode parse_scenario_text(const std::string& text, const std::string& file);

// Applies one "--set a.b.c=value" override; the value is read as YAML. With a schema, a
// setting's per-cluster mapping without `default` keeps the clusters it does not name at the
// value it overrides, as between files (read_scenario_tree).
void apply_override(ConfigNode& tree, const std::string& assignment,
                    const Schema* schema = nullptr);

}  // namespace sim
