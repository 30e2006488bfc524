// The one JSON writer of every `--json` output: nlohmann::json, written as RFC 8259 JSON.
// Non-finite numbers (NaN, infinities) are written as null, since JSON has no such values: a
// field that can be null says so in its documentation. Bytes that are not UTF-8 (a hostile
// file name, say) are replaced by U+FFFD rather than making the output invalid.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sim {

// One JSON document on one line, newline-terminated.
inline std::string json_text(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace sim
