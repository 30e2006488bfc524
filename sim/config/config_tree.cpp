#include "sim/config/config_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "sim/config/limits.hpp"
#include "sim/config/scenario_library.hpp"
#include "sim/config/schema.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

Location location_of(const YAML::Mark& mark, const std::string& file) {
  return Location{file, mark.line + 1, mark.column + 1};
}

// What one document may still spend on nodes; aliases are counted every time they are expanded,
// so a "billion laughs" document stops at the budget instead of filling memory.
struct NodeBudget {
  std::string file;
  std::size_t nodes = 0;
  // Where the top-level key being read is written. A node that an alias repeats carries its
  // anchor's position, so a refusal points here, at the key the user wrote the expansion under.
  std::optional<Location> top_key;
};

void check_string(const std::string& text, const Location& where, const std::string& key) {
  if (text.size() > limits::kStringBytes) {
    throw InputError(where, key,
                     fmt::format("a text of {} bytes; keys and values may have at most {}",
                                 text.size(), limits::bytes_text(limits::kStringBytes)));
  }
}

void spend(NodeBudget& budget, const Location& node_where, const std::string& key,
           std::size_t depth) {
  const Location& where = budget.top_key ? *budget.top_key : node_where;
  if (++budget.nodes > limits::kYamlNodes) {
    throw InputError(where, key,
                     fmt::format("the document has more than {} YAML nodes (aliases count each "
                                 "time they are used); a scenario needs far fewer",
                                 limits::kYamlNodes));
  }
  if (depth > limits::kYamlDepth) {
    throw InputError(where, key,
                     fmt::format("nested more than {} levels deep", limits::kYamlDepth));
  }
}

// YAML's !!binary: base64 text that stands for any bytes. The resolved YAML of a scenario writes
// a text or path this way when yaml-cpp's emitter cannot carry it byte for byte (bytes that are
// not UTF-8, in a folder's name say, it would replace by U+FFFD), so that it reads back as it was.
constexpr const char* kBinaryTag = "tag:yaml.org,2002:binary";

// The bytes that base64 text stands for (RFC 4648, whitespace ignored as YAML's !!binary allows),
// or nullopt when it is not base64. yaml-cpp 0.7's own YAML::DecodeBase64 reads a byte above 127
// as a negative index into its table (a crash found by set_fuzz), so it is not used.
std::optional<std::string> decode_base64(const std::string& text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int count = 0;    // base64 digits read
  int padding = 0;  // '=' read, which only the end may hold
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int value = value_of(c);
    if (value < 0 || padding > 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(value);
    if (++count % 4 == 0) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
    }
  }
  const int tail = count % 4;  // digits of an unfinished group: 2 give one byte, 3 two
  if (tail == 1 || (padding > 0 && tail + padding != 4)) return std::nullopt;
  if (tail == 2) out += static_cast<char>((bits >> 4) & 0xFF);
  if (tail == 3) {
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

// A scalar's text: its bytes, or for !!binary the bytes its base64 stands for.
std::string scalar_text(const YAML::Node& node, const Location& where, const std::string& key) {
  if (node.Tag() != kBinaryTag) return node.Scalar();
  auto bytes = decode_base64(node.Scalar());
  if (!bytes) throw InputError(where, key, "a !!binary value that is not base64");
  return std::move(*bytes);
}

void check_entries(std::size_t count, const Location& where, const std::string& key) {
  if (count > limits::kEntries) {
    throw InputError(
        where, key,
        fmt::format("{} entries; a mapping or list may have at most {}", count, limits::kEntries));
  }
}

ConfigNode convert(const YAML::Node& node, NodeBudget& budget, const std::string& key_path,
                   std::size_t depth) {
  ConfigNode out;
  out.where = location_of(node.Mark(), budget.file);
  spend(budget, out.where, key_path, depth);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.kind = ConfigNode::Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      out.kind = ConfigNode::Kind::Scalar;
      out.scalar = scalar_text(node, out.where, key_path);
      check_string(out.scalar, out.where, key_path);
      // Quoted and binary scalars are text, never numbers.
      out.quoted = node.Tag() == "!" || node.Tag() == kBinaryTag;
      break;
    case YAML::NodeType::Sequence:
      out.kind = ConfigNode::Kind::Sequence;
      check_entries(node.size(), out.where, key_path);
      for (const auto& item : node) {
        out.items.push_back(convert(item, budget, key_path, depth + 1));
      }
      break;
    case YAML::NodeType::Map:
      out.kind = ConfigNode::Kind::Map;
      check_entries(node.size(), out.where, key_path);
      for (const auto& kv : node) {
        const Location key_where = location_of(kv.first.Mark(), budget.file);
        if (!kv.first.IsScalar()) throw InputError(key_where, key_path, "a key must be plain text");
        const std::string name = scalar_text(kv.first, key_where, key_path);
        check_string(name, key_where, key_path);
        std::string full = key_path;
        if (!full.empty()) full += '.';
        full += name;
        if (out.child(name) != nullptr) {
          throw InputError(key_where, full, "this key appears twice in the same mapping");
        }
        if (depth == 0) budget.top_key = key_where;
        ConfigNode value = convert(kv.second, budget, full, depth + 1);
        // yaml-cpp places an empty value at the next token; the key is where the user looks.
        if (value.kind == ConfigNode::Kind::Null) value.where = key_where;
        out.entries.push_back({name, key_where, std::move(value)});
      }
      break;
  }
  return out;
}

ConfigNode convert(const YAML::Node& node, const std::string& file, const std::string& key_path) {
  NodeBudget budget{file, 0, std::nullopt};
  return convert(node, budget, key_path, 0);
}

// Refuses a scenario or sweep text larger than the file limit; `bytes` is nullopt when the text
// is only known to be longer than the limit.
[[noreturn]] void refuse_size(const Location& where, const std::string& key,
                              const std::string& what, std::optional<std::uintmax_t> bytes) {
  const std::string size =
      bytes ? fmt::format("{} bytes", *bytes)
            : fmt::format("more than {}", limits::bytes_text(limits::kFileBytes));
  throw InputError(where, key,
                   fmt::format("{} has {}; a scenario or sweep file may have at most {}", what,
                               size, limits::bytes_text(limits::kFileBytes)));
}

// What a missing scenario could have been: the shipped scenarios a bare name finds.
std::string shipped_names(const std::string& written) {
  if (written.find('/') != std::string::npos) return "";
  constexpr std::size_t kListed = 40;  // a folder of many files is not listed whole
  std::vector<std::string> names;
  for (const auto& folder : scenario_folders()) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end && names.size() < kListed;
         it.increment(ec)) {
      if (it->path().extension() == ".yaml") names.push_back(it->path().stem().string());
    }
  }
  if (names.empty()) return "";
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return fmt::format(", and no shipped scenario has that name (shipped: {})",
                     fmt::join(names, ", "));
}

// Reads a scenario file; errors point at `referenced_from` (the `extends` line that names it,
// or the file itself) with `key`.
std::string read_text(const std::string& path, const Location& referenced_from,
                      const std::string& key, const std::string& written) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError(
        referenced_from, key,
        fmt::format("scenario file '{}' does not exist{}", path, shipped_names(written)));
  }
  if (fs::is_directory(path, ec)) {
    throw InputError(referenced_from, key,
                     fmt::format("cannot read scenario file '{}': it is a directory", path));
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > limits::kFileBytes) {
    refuse_size(referenced_from, key, fmt::format("scenario file '{}'", path), size);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(referenced_from, key, fmt::format("cannot read scenario file '{}'", path));
  // At most one byte past the limit is read: a file that grows after the size check, or a
  // FIFO, is still bounded.
  std::string text = limits::read_at_most(in, limits::kFileBytes);
  if (in.bad()) {
    throw InputError(referenced_from, key, fmt::format("cannot read scenario file '{}'", path));
  }
  if (text.size() > limits::kFileBytes) {
    // Only the bytes up to the limit were read, so the size is known to be larger, no more.
    refuse_size(referenced_from, key, fmt::format("scenario file '{}'", path), std::nullopt);
  }
  return text;
}

// The line and column of the last [ or { left open in YAML text, skipping quoted text and
// comments; nullopt when every one is closed.
std::optional<std::pair<int, int>> unclosed_flow_opener(const std::string& text) {
  std::vector<std::pair<int, int>> open;
  int line = 1, column = 0;
  char quote = 0;
  bool comment = false;
  char previous = '\n';
  for (const char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      comment = false;
      quote = 0;  // an apostrophe in plain text must not hide the rest of the file
      previous = c;
      continue;
    }
    if (comment) continue;
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if ((c == '"' || c == '\'') &&
               std::string_view(" \t\n[{,:").find(previous) != std::string_view::npos) {
      quote = c;
    } else if (c == '#' && (previous == ' ' || previous == '\t' || previous == '\n')) {
      comment = true;
    } else if (c == '[' || c == '{') {
      open.emplace_back(line, column);
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    }
    previous = c;
  }
  if (open.empty()) return std::nullopt;
  return open.back();
}

ConfigNode parse_document(const std::string& text, const std::string& file) {
  if (text.size() > limits::kFileBytes) refuse_size({file, 0, 0}, "", "the text", text.size());
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Location where = location_of(e.mark, file);
    // yaml-cpp reports an unclosed [ or { at the end of the text; point at the opener.
    if (const auto opener = unclosed_flow_opener(text))
      where = Location{file, opener->first, opener->second};
    throw InputError(where, "", fmt::format("not valid YAML: {}", e.msg));
  }
  ConfigNode tree = convert(root, file, "");
  if (tree.kind == ConfigNode::Kind::Null) {
    throw InputError({file, 0, 0}, "", "the scenario file is empty");
  }
  if (tree.kind != ConfigNode::Kind::Map) {
    throw InputError(
        tree.where, "",
        fmt::format("a scenario must be a mapping of settings, found {}", tree.kind_name()));
  }
  return tree;
}

// A mapping with a key that names a cluster rather than a date (or `default`).
bool is_per_cluster(const ConfigNode& node) {
  return node.kind == ConfigNode::Kind::Map &&
         std::any_of(node.entries.begin(), node.entries.end(), [](const ConfigEntry& e) {
           return !e.key.empty() && !looks_like_date(e.key);
         });
}

// A per-cluster mapping that names some clusters but no `default`.
bool names_clusters_only(const ConfigNode& node) {
  return is_per_cluster(node) && node.child("default") == nullptr;
}

// Puts a setting's new value over the one it overrides. A value replaces the old one whole,
// except a per-cluster mapping without `default`: the clusters it does not name keep the old
// value (a per-cluster mapping's entries are merged, anything else becomes its default), so
// overriding one cluster never resets the others to the schema's default.
void overlay_setting(ConfigEntry& existing, ConfigEntry top) {
  if (!names_clusters_only(top.value)) {
    existing = std::move(top);
    return;
  }
  ConfigNode& old = existing.value;
  if (!is_per_cluster(old)) {
    ConfigEntry inherited{"default", old.where, std::move(old)};
    top.value.entries.insert(top.value.entries.begin(), std::move(inherited));
    existing = std::move(top);
    return;
  }
  for (auto& entry : top.value.entries) {
    auto same = std::find_if(old.entries.begin(), old.entries.end(),
                             [&](const ConfigEntry& e) { return e.key == entry.key; });
    if (same != old.entries.end()) {
      *same = std::move(entry);
    } else {
      old.entries.push_back(std::move(entry));
    }
  }
  existing.key_where = top.key_where;
}

// Overlays `top` on `base`: settings replace whole (but see overlay_setting), groups merge.
void merge(ConfigNode& base, ConfigNode top, const std::string& prefix, const Schema& schema) {
  for (auto& entry : top.entries) {
    const std::string full = prefix.empty() ? entry.key : prefix + "." + entry.key;
    ConfigEntry* existing = nullptr;
    for (auto& e : base.entries) {
      if (e.key == entry.key) existing = &e;
    }
    const bool both_groups = existing != nullptr && schema.find(full) == nullptr &&
                             existing->value.kind == ConfigNode::Kind::Map &&
                             entry.value.kind == ConfigNode::Kind::Map;
    if (both_groups) {
      merge(existing->value, std::move(entry.value), full, schema);
    } else if (existing != nullptr && schema.find(full) != nullptr) {
      overlay_setting(*existing, std::move(entry));
    } else if (existing != nullptr) {
      *existing = std::move(entry);
    } else {
      base.entries.push_back(std::move(entry));
    }
  }
}

// Moves every first-line location of a tree `by` columns to the right.
void shift_columns(ConfigNode& node, int by) {
  if (node.where.line <= 1) node.where = Location{node.where.file, 1, node.where.column + by};
  for (auto& entry : node.entries) {
    if (entry.key_where.line <= 1) entry.key_where.column += by;
    shift_columns(entry.value, by);
  }
  for (auto& item : node.items) shift_columns(item, by);
}

// `written` is the path as the user wrote it (a bare name may be a shipped scenario's).
ConfigNode read_with_parents(const std::string& path, const std::string& written,
                             const Location& referenced_from, const Schema& schema,
                             std::vector<std::string>& chain) {
  std::error_code ec;
  const std::string canonical = fs::weakly_canonical(path, ec).string();
  for (const auto& seen : chain) {
    if (seen == canonical) {
      std::string cycle;
      for (const auto& p : chain) cycle += p + " -> ";
      throw InputError(referenced_from, "extends",
                       fmt::format("extends cycle: {}{}", cycle, canonical));
    }
  }
  const std::string key = referenced_from.line > 0 ? "extends" : "";
  ConfigNode tree = parse_document(read_text(path, referenced_from, key, written), path);
  auto it = std::find_if(tree.entries.begin(), tree.entries.end(),
                         [](const ConfigEntry& e) { return e.key == "extends"; });
  if (it == tree.entries.end()) return tree;
  const ConfigNode parent_ref = it->value;
  tree.entries.erase(it);
  if (parent_ref.kind != ConfigNode::Kind::Scalar || parent_ref.scalar.empty()) {
    throw InputError(parent_ref.where, "extends", "expected the path of another scenario file");
  }
  fs::path parent = parent_ref.scalar;
  if (parent.is_relative()) parent = fs::path(path).parent_path() / parent;
  // `extends: shandong-2015` names a shipped scenario when no such file is next to this one.
  std::error_code missing;
  if (!fs::exists(parent, missing)) {
    if (auto shipped = find_shipped_scenario(parent_ref.scalar)) parent = *shipped;
  }
  if (chain.size() + 1 >= limits::kExtendsChain) {
    throw InputError(parent_ref.where, "extends",
                     fmt::format("more than {} files joined by extends", limits::kExtendsChain));
  }
  chain.push_back(canonical);
  ConfigNode merged = read_with_parents(parent.lexically_normal().string(), parent_ref.scalar,
                                        parent_ref.where, schema, chain);
  chain.pop_back();
  merge(merged, std::move(tree), "", schema);
  return merged;
}

}  // namespace

bool looks_like_date(const std::string& key) {
  return !key.empty() && std::isdigit(static_cast<unsigned char>(key[0])) != 0;
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  for (std::size_t from = 0;;) {
    const auto dot = key.find('.', from);
    parts.push_back(key.substr(from, dot == std::string::npos ? dot : dot - from));
    if (dot == std::string::npos) return parts;
    from = dot + 1;
  }
}

ConfigNode parse_scenario_text(const std::string& text, const std::string& file) {
  return parse_document(text, file);
}

const ConfigNode* ConfigNode::child(const std::string& key) const {
  for (const auto& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

std::string ConfigNode::kind_name() const {
  switch (kind) {
    case Kind::Null:
      return "an empty value";
    case Kind::Scalar:
      return "a single value";
    case Kind::Map:
      return "a mapping";
    case Kind::Sequence:
      return "a list";
  }
  return "?";
}

ConfigNode read_scenario_tree(const std::string& path, const Schema& schema) {
  std::vector<std::string> chain;
  return read_with_parents(path, path, Location{path, 0, 0}, schema, chain);
}

void apply_override(ConfigNode& tree, const std::string& assignment, const Schema* schema) {
  if (assignment.size() > limits::kOverrideBytes) {
    throw InputError({"--set " + assignment.substr(0, 40) + "...", 1, 1}, "",
                     fmt::format("an override of {} bytes; --set takes at most {}",
                                 assignment.size(), limits::bytes_text(limits::kOverrideBytes)));
  }
  const std::string file = "--set " + assignment;
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError({file, 1, 1}, "", "expected --set path.to.key=value");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  const int value_column = static_cast<int>(eq) + 2;
  ConfigNode value;
  try {
    value = convert(YAML::Load(value_text), file, key);
  } catch (const YAML::Exception& e) {
    throw InputError({file, 1, value_column + e.mark.column}, key,
                     fmt::format("not valid YAML: {}", e.msg));
  }
  // Columns count from the start of the assignment, not of its value.
  shift_columns(value, value_column - 1);
  tree.kind = ConfigNode::Kind::Map;  // an empty tree becomes the mapping that holds the value
  ConfigNode* node = &tree;
  const auto parts = split_key(key);
  for (std::size_t p = 0;; ++p) {
    const std::string& part = parts[p];
    if (part.empty()) throw InputError({file, 1, 1}, key, "empty component in key path");
    ConfigNode* next = nullptr;
    for (auto& e : node->entries) {
      if (e.key == part) next = &e.value;
    }
    if (p + 1 == parts.size()) {
      ConfigEntry assigned{part, Location{file, 1, 1}, std::move(value)};
      auto old = std::find_if(node->entries.begin(), node->entries.end(),
                              [&](const ConfigEntry& e) { return e.key == part; });
      if (old != node->entries.end() && schema != nullptr && schema->find(key) != nullptr) {
        overlay_setting(*old, std::move(assigned));
      } else if (old != node->entries.end()) {
        *old = std::move(assigned);
      } else {
        node->entries.push_back(std::move(assigned));
      }
      return;
    }
    if (next == nullptr) {
      node->entries.push_back({part, Location{file, 1, 1}, ConfigNode{}});
      next = &node->entries.back().value;
      next->where = Location{file, 1, 1};
    }
    if (next->kind != ConfigNode::Kind::Map) {
      next->kind = ConfigNode::Kind::Map;
      next->entries.clear();
    }
    node = next;
  }
}

}  // namespace sim
