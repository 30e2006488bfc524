// What sweep and calibration files share: YAML read with the scenario loader's locations and
// checked key by key, `set:` overrides, the base scenario they start from, and the fingerprint
// that ties finished runs to the file that asked for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/config_tree.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/errors.hpp"
#include "sim/run/model.hpp"

namespace sim {

// FNV-1a 64: small, dependency-free and stable across platforms and versions, which is what a
// fingerprint stored in result files needs (it is not meant to resist tampering).
class Fnv1a {
 public:
  void bytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      hash_ ^= p[i];
      hash_ *= 1099511628211ULL;
    }
  }
  // Fields end with a 0 byte so that ("ab", "c") and ("a", "bc") differ.
  void text(std::string_view s) {
    bytes(s.data(), s.size());
    end_field();
  }
  // Least significant byte first, whatever the machine's byte order.
  void word(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      const auto b = static_cast<unsigned char>(x >> (8 * i));
      bytes(&b, 1);
    }
    end_field();
  }
  std::uint64_t value() const { return hash_; }

 private:
  void end_field() {
    const unsigned char zero = 0;
    bytes(&zero, 1);
  }
  std::uint64_t hash_ = 14695981039346656037ULL;
};

// "a.b" from a prefix and a key; the key alone when the prefix is empty.
std::string join_key(const std::string& prefix, const std::string& key);
std::string join(const std::vector<std::string>& items, const std::string& separator);

// "unknown key; did you mean ...?" or the list of the allowed keys.
std::string unknown_key_detail(const std::string& key, const std::vector<std::string>& allowed);
// InputError at the first key of `map` that is not in `allowed`.
void check_allowed_keys(const ConfigNode& map, const std::string& prefix,
                        const std::vector<std::string>& allowed);
// InputError unless `node` is of `kind` ("expected <expected>, found ...").
void require_kind(const ConfigNode& node, ConfigNode::Kind kind, const std::string& key,
                  const std::string& expected);
// A key a map must have; a missing one is reported at the map that lacks it.
const ConfigNode& required(const ConfigNode& map, const std::string& prefix,
                           const std::string& key);
// An optional `description:` of the file's root: empty or text.
void check_description(const ConfigNode& root);
// A plain (unquoted) scalar read as a finite number; YAML's "+0.1" is taken too.
std::optional<double> as_number(const ConfigNode& node);
// A whole number of at least `min` (InputError otherwise).
std::int64_t read_integer(const ConfigNode& node, const std::string& key, std::int64_t min);

// The text of a file named on the command line (`what`: "sweep file"), refused beyond
// limits::kFileBytes without reading it whole.
std::string read_file_text(const std::string& path, const std::string& what);

// A scalar as an override's value: YAML text that reads back as what the file wrote.
std::string override_value_text(const ConfigNode& node);

// One `set:` entry as a "key=value" override and where the file wrote it.
struct SetEntry {
  std::string assignment;
  Location where;
};
// `set:`: dotted keys of the schema to single values; run.replicates is refused, as the
// `owner` ("sweep", "calibration") decides the replicates itself.
std::vector<SetEntry> read_set(const ConfigNode& node, const Schema& schema,
                               const std::string& owner);

// The base scenario (`base:`, relative to `file_path`) with `set:` and `replicates` applied; its
// absolute path goes to `base_path`. An error in a `set:` value is reported at that value in
// the file rather than at the override.
Scenario load_base(const ConfigNode& base_node, const std::vector<SetEntry>& set,
                   const std::string& file_path, const Model& model, int replicates,
                   std::string& base_path);

}  // namespace sim
