// The ranking's radix sort (sim/core/radix_sort.hpp): the same order as a comparison sort on
// (key, index), for keys of every sign and with ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "sim/core/radix_sort.hpp"

namespace {

TEST(OrderedBits, KeepsTheOrderOfDoublesAndMakesBothZerosEqual) {
  const std::vector<double> ascending = {-std::numeric_limits<double>::max(),
                                         -1e300,
                                         -2.5,
                                         -1.0,
                                         -std::numeric_limits<double>::denorm_min(),
                                         0.0,
                                         std::numeric_limits<double>::denorm_min(),
                                         1e-300,
                                         1.0,
                                         3.75,
                                         std::numeric_limits<double>::max()};
  for (std::size_t i = 1; i < ascending.size(); ++i) {
    EXPECT_LT(sim::ordered_bits(ascending[i - 1]), sim::ordered_bits(ascending[i])) << i;
  }
  EXPECT_EQ(sim::ordered_bits(-0.0), sim::ordered_bits(0.0));
}

// Values drawn from a few levels, so that ties are common, of both signs and both zeros.
std::vector<double> values_with_ties(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> level(-40, 40);
  std::vector<double> v(n);
  for (double& x : v) {
    const int l = level(gen);
    x = l == 0 ? (gen() % 2 == 0 ? 0.0 : -0.0) : l * 0.37;
  }
  return v;
}

TEST(RadixSort, OrdersAsAComparisonSortOnKeyThenIndex) {
  for (const std::size_t n : {0u, 1u, 2u, 7u, 300u, 5000u}) {
    const std::vector<double> v = values_with_ties(n, static_cast<std::uint32_t>(n) + 11);
    std::vector<sim::KeyedIndex> items(n), scratch(n);
    for (std::size_t i = 0; i < n; ++i) {
      items[i] = {sim::ordered_bits(v[i]), static_cast<std::uint32_t>(i)};
    }
    sim::radix_sort(items, scratch);

    std::vector<std::uint32_t> expected(n);
    for (std::size_t i = 0; i < n; ++i) expected[i] = static_cast<std::uint32_t>(i);
    std::sort(expected.begin(), expected.end(), [&](std::uint32_t a, std::uint32_t b) {
      return v[a] < v[b] || (v[a] == v[b] && a < b);
    });
    std::vector<std::uint32_t> got(n);
    for (std::size_t i = 0; i < n; ++i) got[i] = items[i].index;
    EXPECT_EQ(got, expected) << n << " items";
  }
}

TEST(RadixSort, KeysThatShareEveryDigitKeepTheirOrder) {
  std::vector<sim::KeyedIndex> items = {{42, 3}, {42, 1}, {42, 2}};
  std::vector<sim::KeyedIndex> scratch(items.size());
  sim::radix_sort(items, scratch);
  EXPECT_EQ(items[0].index, 3u);
  EXPECT_EQ(items[1].index, 1u);
  EXPECT_EQ(items[2].index, 2u);
}

}  // namespace
