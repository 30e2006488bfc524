// A stable least-significant-digit radix sort of (double, index) records.
//
// The productivity ranking sorts each cluster's firms every quarter, a few hundred to a few
// hundred thousand at a time. A comparison sort spends most of its time in mispredicted branches
// there; a radix sort makes eight branch-free passes instead. Boost.Sort's spreadsort, the
// library radix sort, hands ranges below about a thousand elements (most clusters) to
// std::sort, so it does not help at these sizes.
//
// Being stable, the sort orders equal keys as they came in: records entered in increasing index
// order come out by key, then by index, exactly as a comparison sort on (key, index) would.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>

namespace sim {

struct KeyedIndex {
  std::uint64_t key;
  std::uint32_t index;
};

// A map of finite doubles onto unsigned integers that keeps their order: x < y if and only if
// ordered_bits(x) < ordered_bits(y), and -0.0 maps where 0.0 does (they compare equal).
inline std::uint64_t ordered_bits(double x) {
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  const auto bits = std::bit_cast<std::uint64_t>(x == 0.0 ? 0.0 : x);
  return (bits & kSign) != 0 ? ~bits : bits | kSign;
}

// Sorts items by key, stably, using scratch (the same size as items) for the passes.
inline void radix_sort(std::span<KeyedIndex> items, std::span<KeyedIndex> scratch) {
  constexpr int kDigits = 8;
  constexpr int kBuckets = 256;
  const std::size_t n = items.size();
  if (n < 2) return;
  std::array<std::array<std::uint32_t, kBuckets>, kDigits> counts{};
  for (const KeyedIndex& item : items) {
    for (int d = 0; d < kDigits; ++d) ++counts[d][(item.key >> (8 * d)) & 0xff];
  }
  const std::uint64_t any_key = items[0].key;
  std::span<KeyedIndex> from = items;
  std::span<KeyedIndex> to = scratch;
  for (int d = 0; d < kDigits; ++d) {
    // A digit every key shares leaves the order as it is: skip its pass.
    if (counts[d][(any_key >> (8 * d)) & 0xff] == n) continue;
    std::array<std::uint32_t, kBuckets> next{};
    std::uint32_t total = 0;
    for (int b = 0; b < kBuckets; ++b) {
      next[b] = total;
      total += counts[d][b];
    }
    for (const KeyedIndex& item : from) to[next[(item.key >> (8 * d)) & 0xff]++] = item;
    std::swap(from, to);
  }
  if (from.data() != items.data()) std::copy(from.begin(), from.end(), items.begin());
}

}  // namespace sim
