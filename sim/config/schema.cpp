#include "sim/config/schema.hpp"

#include "sim/core/spelling.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sim {
namespace {

std::string format_bound(double x) {
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  return fmt::format("{:g}", x);
}

std::string variation(const Setting& s) {
  if (s.by_date && s.by_cluster) return "date, cluster";
  if (s.by_date) return "date";
  if (s.by_cluster) return "cluster";
  return "";
}

Setting make(std::string key, SettingType type, std::string unit, double min, double max,
             std::string default_yaml, std::string description) {
  Setting s;
  s.key = std::move(key);
  s.type = type;
  s.unit = std::move(unit);
  s.min = min;
  s.max = max;
  s.default_yaml = std::move(default_yaml);
  s.description = std::move(description);
  return s;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

std::string type_name(SettingType type) {
  switch (type) {
    case SettingType::Number:
      return "number";
    case SettingType::Integer:
      return "integer";
    case SettingType::Boolean:
      return "boolean";
    case SettingType::Text:
      return "text";
    case SettingType::Date:
      return "date";
    case SettingType::Path:
      return "path";
  }
  return "?";
}

Setting number(std::string key, std::string unit, double min, double max, std::string default_yaml,
               std::string description) {
  return make(std::move(key), SettingType::Number, std::move(unit), min, max,
              std::move(default_yaml), std::move(description));
}

Setting integer(std::string key, std::string unit, double min, double max, std::string default_yaml,
                std::string description) {
  return make(std::move(key), SettingType::Integer, std::move(unit), min, max,
              std::move(default_yaml), std::move(description));
}

Setting boolean(std::string key, std::string default_yaml, std::string description) {
  return make(std::move(key), SettingType::Boolean, "", 0, 1, std::move(default_yaml),
              std::move(description));
}

Setting text(std::string key, std::string default_yaml, std::string description) {
  return make(std::move(key), SettingType::Text, "", -kInf, kInf, std::move(default_yaml),
              std::move(description));
}

Setting date(std::string key, std::string default_yaml, std::string description) {
  return make(std::move(key), SettingType::Date, "", -kInf, kInf, std::move(default_yaml),
              std::move(description));
}

Setting path(std::string key, std::string default_yaml, std::string description) {
  return make(std::move(key), SettingType::Path, "", -kInf, kInf, std::move(default_yaml),
              std::move(description));
}

Setting lever(std::string key, std::string unit, double min, double max, std::string default_yaml,
              std::string description) {
  Setting s = number(std::move(key), std::move(unit), min, max, std::move(default_yaml),
                     std::move(description));
  s.by_date = true;
  s.by_cluster = true;
  return s;
}

void Schema::add(Setting setting) {
  if (find(setting.key) != nullptr || is_group(setting.key)) {
    throw std::logic_error("setting declared twice or clashes with a group: " + setting.key);
  }
  settings_.push_back(std::move(setting));
}

const Setting* Schema::find(const std::string& key) const {
  for (const auto& s : settings_) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

bool Schema::is_group(const std::string& key) const {
  const std::string prefix = key + ".";
  return std::any_of(settings_.begin(), settings_.end(),
                     [&](const Setting& s) { return s.key.rfind(prefix, 0) == 0; });
}

std::optional<std::string> Schema::suggest(const std::string& key) const {
  const Setting* extended = nullptr;
  for (const auto& s : settings_) {
    const bool begins =
        s.key.size() > key.size() + 1 && s.key.starts_with(key) && s.key[key.size()] == '_';
    if (begins && (extended == nullptr || s.key.size() < extended->key.size())) extended = &s;
  }
  if (extended != nullptr) return extended->key;
  std::vector<std::string> keys, groups;
  for (const auto& s : settings_) {
    keys.push_back(s.key);
    // Groups too, so that a misspelt group alone ("polcy") points at "policy".
    for (std::size_t dot = s.key.find('.'); dot != std::string::npos;
         dot = s.key.find('.', dot + 1)) {
      groups.push_back(s.key.substr(0, dot));
    }
  }
  if (auto setting = closest(key, keys)) return setting;
  return closest(key, groups);
}

std::string Schema::markdown() const {
  std::vector<const Setting*> sorted;
  for (const auto& s : settings_) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(),
            [](const Setting* a, const Setting* b) { return a->key < b->key; });
  std::string out =
      "| key | type | unit | range | default | varies by | description |\n"
      "|---|---|---|---|---|---|---|\n";
  for (const Setting* s : sorted) {
    std::string range;
    if (s->type == SettingType::Number || s->type == SettingType::Integer) {
      range = fmt::format("[{}, {}]", format_bound(s->min), format_bound(s->max));
    }
    std::string default_text = s->default_yaml;
    std::replace(default_text.begin(), default_text.end(), '|', '/');
    out += fmt::format("| `{}` | {} | {} | {} | `{}` | {} | {} |\n", s->key, type_name(s->type),
                       s->unit, range, default_text, variation(*s), s->description);
  }
  return out;
}

}  // namespace sim
