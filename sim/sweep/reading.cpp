#include "sim/sweep/reading.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/config/limits.hpp"
#include "sim/config/scenario_library.hpp"
#include "sim/core/spelling.hpp"

namespace fs = std::filesystem;

namespace sim {

std::string join_key(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string unknown_key_detail(const std::string& key, const std::vector<std::string>& allowed) {
  if (auto suggestion = closest(key, allowed)) {
    return fmt::format("unknown key; did you mean '{}'?", *suggestion);
  }
  return fmt::format("unknown key; expected one of {}", join(allowed, ", "));
}

void check_allowed_keys(const ConfigNode& map, const std::string& prefix,
                        const std::vector<std::string>& allowed) {
  for (const auto& entry : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) == allowed.end()) {
      throw InputError(entry.key_where, join_key(prefix, entry.key),
                       unknown_key_detail(entry.key, allowed));
    }
  }
}

void require_kind(const ConfigNode& node, ConfigNode::Kind kind, const std::string& key,
                  const std::string& expected) {
  if (node.kind != kind) {
    throw InputError(node.where, key,
                     fmt::format("expected {}, found {}", expected,
                                 node.quoted ? "quoted text" : node.kind_name()));
  }
}

const ConfigNode& required(const ConfigNode& map, const std::string& prefix,
                           const std::string& key) {
  if (const ConfigNode* node = map.child(key)) return *node;
  throw InputError(map.where, join_key(prefix, key), "missing; this key is required");
}

std::optional<double> as_number(const ConfigNode& node) {
  if (node.kind != ConfigNode::Kind::Scalar || node.quoted) return std::nullopt;
  const std::string& t = node.scalar;
  const std::size_t skip = t.size() > 1 && t[0] == '+' && t[1] != '-' && t[1] != '+' ? 1 : 0;
  double value = 0.0;
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(t.data() + skip, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::int64_t read_integer(const ConfigNode& node, const std::string& key, std::int64_t min) {
  const auto value = as_number(node);
  if (!value || *value != std::floor(*value) || std::abs(*value) > 9e15) {
    throw InputError(node.where, key,
                     fmt::format("expected a whole number, found {}",
                                 node.kind == ConfigNode::Kind::Scalar ? "'" + node.scalar + "'"
                                                                       : node.kind_name()));
  }
  if (*value < static_cast<double>(min)) {
    throw InputError(node.where, key,
                     fmt::format("must be at least {}, found {}", min, node.scalar));
  }
  return static_cast<std::int64_t>(*value);
}

std::string read_file_text(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError({path, 0, 0}, "", fmt::format("{} '{}' does not exist", what, path));
  }
  if (fs::is_directory(path, ec)) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("cannot read {} '{}': it is a directory", what, path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, 0}, "", fmt::format("cannot read {} '{}'", what, path));
  // At most one byte past the limit is read: a huge file or an endless FIFO is not read whole.
  std::string text = limits::read_at_most(in, limits::kFileBytes);
  if (in.bad()) {
    throw InputError({path, 0, 0}, "", fmt::format("cannot read {} '{}'", what, path));
  }
  if (text.size() > limits::kFileBytes) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("{} '{}' has more than {}; a scenario, sweep or calibration "
                                 "file may have at most that",
                                 what, path, limits::bytes_text(limits::kFileBytes)));
  }
  return text;
}

std::string override_value_text(const ConfigNode& node) {
  if (!node.quoted) return node.scalar;
  std::string out = "'";
  for (const char c : node.scalar) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::vector<SetEntry> read_set(const ConfigNode& node, const Schema& schema,
                               const std::string& owner) {
  require_kind(node, ConfigNode::Kind::Map, "set", "a mapping of settings to values");
  std::vector<SetEntry> out;
  for (const auto& entry : node.entries) {
    const std::string key = "set." + entry.key;
    if (schema.find(entry.key) == nullptr) {
      std::string detail = fmt::format("unknown setting '{}'", entry.key);
      if (auto suggestion = schema.suggest(entry.key)) {
        detail += fmt::format("; did you mean '{}'?", *suggestion);
      }
      throw InputError(entry.key_where, key, detail);
    }
    if (entry.key == "run.replicates") {
      throw InputError(
          entry.key_where, key,
          fmt::format("the replicates of every point come from the {}'s `replicates:`", owner));
    }
    if (entry.value.kind != ConfigNode::Kind::Scalar) {
      throw InputError(entry.value.where, key,
                       fmt::format("expected a single value, found {}", entry.value.kind_name()));
    }
    out.push_back({entry.key + "=" + override_value_text(entry.value), entry.value.where});
  }
  return out;
}

Scenario load_base(const ConfigNode& base_node, const std::vector<SetEntry>& set,
                   const std::string& file_path, const Model& model, int replicates,
                   std::string& base_path) {
  require_kind(base_node, ConfigNode::Kind::Scalar, "base", "the path of a scenario file");
  fs::path base = base_node.scalar;
  if (base.is_relative()) base = fs::path(file_path).parent_path() / base;
  std::error_code ec;
  if (!fs::exists(base, ec)) {
    if (auto shipped = find_shipped_scenario(base_node.scalar)) base = *shipped;
  }
  base_path = fs::absolute(base).lexically_normal().string();
  if (!fs::is_regular_file(base_path, ec)) {
    throw InputError(base_node.where, "base",
                     fmt::format("base scenario '{}' does not exist or is not a file", base_path));
  }
  LoadOptions options;
  for (const auto& entry : set) options.overrides.push_back(entry.assignment);
  options.overrides.push_back(fmt::format("run.replicates={}", replicates));
  try {
    return Scenario::load(base_path, model.schema(), options);
  } catch (const InputError& e) {
    for (const auto& entry : set) {
      if (e.where().file == "--set " + entry.assignment) {
        throw InputError(entry.where, e.key(), e.detail());
      }
    }
    throw;
  }
}

void check_description(const ConfigNode& root) {
  if (const ConfigNode* description = root.child("description")) {
    if (description->kind != ConfigNode::Kind::Null) {
      require_kind(*description, ConfigNode::Kind::Scalar, "description", "text");
    }
  }
}

}  // namespace sim
