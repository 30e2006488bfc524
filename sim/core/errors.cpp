#include "sim/core/errors.hpp"

#include <fmt/format.h>

namespace sim {
namespace {

std::string compose(const Location& where, const std::string& key, const std::string& detail) {
  if (key.empty()) return fmt::format("{}: error: {}", where.str(), detail);
  return fmt::format("{}: error: key '{}': {}", where.str(), key, detail);
}

}  // namespace

std::string Location::str() const {
  if (line <= 0) return fmt::format("{}:0:0", file);
  return fmt::format("{}:{}:{}", file, line, column);
}

InputError::InputError(Location where, std::string key, std::string detail)
    : std::runtime_error(compose(where, key, detail)),
      where_(std::move(where)),
      key_(std::move(key)),
      detail_(std::move(detail)) {}

}  // namespace sim
