// Checked arithmetic and parsing for numbers read from files and command lines, which are
// untrusted: overflow-checked products of sizes (a shape's product may not fit in std::size_t,
// and a wrapped product sizes a buffer smaller than the loops over the stated shape then walk),
// and whole numbers parsed with std::from_chars rather than sscanf (whose behaviour on a number
// out of range is undefined, and which takes signs and spaces).
#pragma once

#include <charconv>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <system_error>

namespace sim {

// The product of `factors` (1 for none), or nullopt when it does not fit in std::size_t.
template <typename Range>
std::optional<std::size_t> checked_product(const Range& factors) {
  std::size_t product = 1;
  for (const auto factor : factors) {
    if (__builtin_mul_overflow(product, factor, &product)) return std::nullopt;
  }
  return product;
}

inline std::optional<std::size_t> checked_product(std::initializer_list<std::size_t> factors) {
  return checked_product<std::initializer_list<std::size_t>>(factors);
}

// The whole number `text` spells in `base`: digits only (a '-' for a signed T), all of the text,
// and within T's range; nullopt otherwise.
template <typename T>
std::optional<T> parse_whole(std::string_view text, int base = 10) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace sim
