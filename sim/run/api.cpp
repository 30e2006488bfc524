#include "sim/run/api.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>

#include "sim/config/config_tree.hpp"
#include "sim/config/scenario_library.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

// True when text can be written as a plain YAML scalar inside a flow collection and read back
// unchanged.
bool plain_safe(const std::string& text) {
  if (text.empty()) return false;
  constexpr std::string_view kSafe = "_.+-/";
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kSafe.find(c) != std::string_view::npos || static_cast<unsigned char>(c) >= 0x80;
  });
}

std::string double_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// A node as flow-style YAML text that reads back as the same node.
std::string flow_yaml(const ConfigNode& node, bool top) {
  switch (node.kind) {
    case ConfigNode::Kind::Null:
      return top ? "" : "null";
    case ConfigNode::Kind::Scalar:
      return !node.quoted && plain_safe(node.scalar) ? node.scalar : double_quoted(node.scalar);
    case ConfigNode::Kind::Sequence: {
      std::string out = "[";
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        out += (i > 0 ? ", " : "") + flow_yaml(node.items[i], false);
      }
      return out + "]";
    }
    case ConfigNode::Kind::Map: {
      std::string out = "{";
      for (std::size_t i = 0; i < node.entries.size(); ++i) {
        const auto& e = node.entries[i];
        out += fmt::format("{}{}: {}", i > 0 ? ", " : "",
                           plain_safe(e.key) ? e.key : double_quoted(e.key),
                           flow_yaml(e.value, false));
      }
      return out + "}";
    }
  }
  return "";
}

// Every setting written under `node` as a "key=value" override, in the text's order.
void as_overrides(const ConfigNode& node, const std::string& prefix, const Schema& schema,
                  std::vector<std::string>& out) {
  for (const auto& entry : node.entries) {
    const std::string key = prefix.empty() ? entry.key : prefix + "." + entry.key;
    const Setting* setting = schema.find(key);
    if (setting == nullptr && entry.value.kind == ConfigNode::Kind::Map && schema.is_group(key)) {
      as_overrides(entry.value, key, schema, out);
      continue;
    }
    ConfigNode value = entry.value;
    // An override's relative path would be taken from the extended file's folder.
    if (setting != nullptr && setting->type == SettingType::Path &&
        value.kind == ConfigNode::Kind::Scalar && !value.scalar.empty() &&
        fs::path(value.scalar).is_relative()) {
      value.scalar = fs::absolute(value.scalar).lexically_normal().string();
    }
    // Unknown keys and wrong kinds are reported by the loader, at the override.
    out.push_back(key + "=" + flow_yaml(value, true));
  }
}

}  // namespace

Scenario load_scenario_text(const std::string& yaml, const std::string& name_for_errors,
                            const Schema& schema, const LoadOptions& options) {
  const ConfigNode document = parse_scenario_text(yaml, name_for_errors);
  const ConfigNode* parent = document.child("extends");
  if (parent == nullptr) return Scenario::from_yaml(yaml, name_for_errors, schema, options);
  if (parent->kind != ConfigNode::Kind::Scalar || parent->scalar.empty()) {
    throw InputError(parent->where, "extends", "expected the path of another scenario file");
  }
  // A bare name that is no file here names a shipped scenario, as in a file's `extends:`.
  const std::string parent_path = locate_scenario(parent->scalar);
  std::error_code ec;
  if (!fs::is_regular_file(parent_path, ec)) {
    throw InputError(parent->where, "extends",
                     fmt::format("scenario file '{}' does not exist (relative to '{}') and is "
                                 "not a shipped scenario",
                                 parent->scalar, fs::current_path().string()));
  }
  ConfigNode own = document;
  std::erase_if(own.entries, [](const ConfigEntry& e) { return e.key == "extends"; });
  LoadOptions merged;
  as_overrides(own, "", schema, merged.overrides);
  merged.overrides.insert(merged.overrides.end(), options.overrides.begin(),
                          options.overrides.end());
  return Scenario::load(parent_path, schema, merged);
}

int effective_threads(int requested) {
  const int max_threads = tbb::info::default_concurrency();
  return requested > 0 ? std::min(requested, max_threads) : max_threads;
}

BackgroundRun::BackgroundRun(const Model& model, const Scenario& scenario, int threads,
                             ReplicateOverrides overrides)
    : threads_(effective_threads(threads)), overrides_(std::move(overrides)) {
  thread_ = std::thread([this, &model, &scenario] {
    try {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                static_cast<std::size_t>(threads_));
      result_ = run_ensemble(model, scenario, RunControl{&progress_, &cancel_}, overrides_);
    } catch (...) {
      error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    ended_.notify_all();
  });
}

BackgroundRun::~BackgroundRun() {
  if (thread_.joinable()) {
    cancel();
    thread_.join();
  }
}

bool BackgroundRun::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return ended_.wait_for(lock, timeout, [this] { return done_; });
}

EnsembleResult BackgroundRun::get() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
  return std::move(result_);
}

}  // namespace sim
