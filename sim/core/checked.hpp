// Overflow-checked products of sizes. A shape read from a file is untrusted: its product may not
// fit in std::size_t, and a wrapped product sizes a buffer smaller than the loops over the
// stated shape then walk.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>

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

}  // namespace sim
