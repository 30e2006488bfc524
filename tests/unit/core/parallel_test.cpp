// Deterministic block-parallel loops and reductions (sim/parallel.hpp).
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "sim/core/parallel.hpp"
#include "sim/run/ensemble.hpp"

namespace {

constexpr std::size_t kWidth = 3;

TEST(ParallelBlocks, BlockCount) {
  // ceil(n / 1024).
  EXPECT_EQ(sim::block_count(0), 0u);
  EXPECT_EQ(sim::block_count(1), 1u);
  EXPECT_EQ(sim::block_count(sim::kBlockSize), 1u);
  EXPECT_EQ(sim::block_count(sim::kBlockSize + 1), 2u);
  EXPECT_EQ(sim::block_count(5 * sim::kBlockSize), 5u);
}

TEST(ParallelBlocks, ForEachBlockCoversEveryIndexOnce) {
  // 3 full blocks and a partial one of 17.
  const std::size_t n = 3 * sim::kBlockSize + 17;
  std::vector<std::atomic<int>> visits(n);
  std::vector<std::atomic<int>> block_calls(sim::block_count(n));
  sim::for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
    // Block b is exactly [b * 1024, min((b + 1) * 1024, n)).
    EXPECT_EQ(begin, b * sim::kBlockSize);
    EXPECT_EQ(end, std::min((b + 1) * sim::kBlockSize, n));
    ++block_calls[b];
    for (std::size_t i = begin; i < end; ++i) ++visits[i];
  });
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(visits[i].load(), 1) << "index " << i;
  for (std::size_t b = 0; b < block_calls.size(); ++b) EXPECT_EQ(block_calls[b].load(), 1);
}

TEST(ParallelBlocks, ForEachIndexCoversEveryIndexOnce) {
  const std::size_t n = 2 * sim::kBlockSize + 1;
  std::vector<std::atomic<int>> visits(n);
  sim::for_each_index(n, [&](std::size_t i) { ++visits[i]; });
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(visits[i].load(), 1) << "index " << i;
}

TEST(ParallelBlocks, EmptyRangeCallsNothing) {
  std::atomic<int> calls{0};
  sim::for_each_block(0, [&](std::size_t, std::size_t, std::size_t) { ++calls; });
  sim::for_each_index(0, [&](std::size_t) { ++calls; });
  EXPECT_EQ(calls.load(), 0);
}

// Values spanning 1e-8 .. 1e16 with both signs: floating-point addition of these is far from
// associative, so any change in summation order shows in the last bits.
std::vector<double> mixed_magnitudes(std::size_t n) {
  std::vector<double> v(n);
  std::uint64_t x = 88172645463325252ull;  // xorshift64, fixed data
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int exponent = static_cast<int>(x % 25) - 8;
    const double sign = (x >> 32) % 2 == 0 ? 1.0 : -1.0;
    const double mantissa = 1.0 + static_cast<double>((x >> 40) % 1000) / 1000.0;
    v[i] = sign * mantissa * std::pow(10.0, exponent);
  }
  return v;
}

// Per-block partial sums of values[i] into accumulator i % kWidth, combined in block order.
std::vector<double> block_sums(const std::vector<double>& values, std::size_t threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  sim::BlockSums sums;
  sums.reset(values.size(), kWidth);
  sim::for_each_block(values.size(), [&](std::size_t begin, std::size_t end, std::size_t b) {
    double* acc = sums.block(b);
    for (std::size_t i = begin; i < end; ++i) acc[i % kWidth] += values[i];
  });
  std::vector<double> out;
  sums.combine(out);
  return out;
}

// The same sum computed serially: each block's partial sum in index order, then the partial
// sums added in block order, starting from 0.
std::vector<double> serial_block_ordered(const std::vector<double>& values) {
  std::vector<double> out(kWidth, 0.0);
  for (std::size_t begin = 0; begin < values.size(); begin += sim::kBlockSize) {
    const std::size_t end = std::min(begin + sim::kBlockSize, values.size());
    std::vector<double> partial(kWidth, 0.0);
    for (std::size_t i = begin; i < end; ++i) partial[i % kWidth] += values[i];
    for (std::size_t j = 0; j < kWidth; ++j) out[j] += partial[j];
  }
  return out;
}

bool bit_identical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ParallelBlockSums, TestDataIsOrderSensitive) {
  // Guard on the data of the next tests: adding the same values in reverse order gives a
  // different result, so bit-identity below really checks the order of summation.
  const auto values = mixed_magnitudes(20 * sim::kBlockSize + 333);
  std::vector<double> forward(kWidth, 0.0), backward(kWidth, 0.0);
  for (std::size_t i = 0; i < values.size(); ++i) forward[i % kWidth] += values[i];
  for (std::size_t i = values.size(); i-- > 0;) backward[i % kWidth] += values[i];
  EXPECT_FALSE(bit_identical(forward, backward));
  EXPECT_FALSE(bit_identical(forward, serial_block_ordered(values)));
}

TEST(ParallelBlockSums, BitIdenticalForOneAndTwoThreads) {
  const auto values = mixed_magnitudes(20 * sim::kBlockSize + 333);
  const auto one = block_sums(values, 1);
  const auto two = block_sums(values, 2);
  ASSERT_EQ(one.size(), kWidth);
  EXPECT_TRUE(bit_identical(one, two));
  // Repeated runs with two threads, where blocks land on threads differently, agree too.
  for (int run = 0; run < 5; ++run) EXPECT_TRUE(bit_identical(two, block_sums(values, 2)));
}

TEST(ParallelBlockSums, EqualsSerialBlockOrderedSum) {
  const auto values = mixed_magnitudes(20 * sim::kBlockSize + 333);
  const auto expected = serial_block_ordered(values);
  EXPECT_TRUE(bit_identical(block_sums(values, 1), expected));
  EXPECT_TRUE(bit_identical(block_sums(values, 2), expected));
}

TEST(ParallelBlockSums, SmallHandComputedSum) {
  // Two blocks of width 2: block 0 holds (1, 2), block 1 holds (10, 20); combine gives
  // (1 + 10, 2 + 20) = (11, 22).
  sim::BlockSums sums;
  sums.reset(sim::kBlockSize + 1, 2);
  sums.block(0)[0] = 1.0;
  sums.block(0)[1] = 2.0;
  sums.block(1)[0] = 10.0;
  sums.block(1)[1] = 20.0;
  std::vector<double> out{99.0, 99.0, 99.0};  // stale contents are replaced
  sums.combine(out);
  EXPECT_EQ(out, (std::vector<double>{11.0, 22.0}));
}

TEST(ParallelBlockSums, ResetZeroesAndResizes) {
  sim::BlockSums sums;
  sums.reset(2 * sim::kBlockSize, 1);
  sums.block(0)[0] = 5.0;
  sums.block(1)[0] = 6.0;
  sums.reset(2 * sim::kBlockSize, 1);  // reused storage starts from zero again
  std::vector<double> out;
  sums.combine(out);
  EXPECT_EQ(out, (std::vector<double>{0.0}));
  // No items: the combined accumulators exist and are zero.
  sums.reset(0, 4);
  sums.combine(out);
  EXPECT_EQ(out, (std::vector<double>(4, 0.0)));
}

}  // namespace

TEST(ForEachTask, AFailureStopsSiblingsBetweenStepsNeverInsideTheirLoops) {
  // Each task runs "steps" of nested parallel loops; task 0 fails at once. Tasks that were
  // running must finish every nested loop they started (no TBB cancellation reaching them)
  // and stop at a step boundary; the failure is rethrown.
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
  constexpr std::size_t kTasks = 8, kItems = 1 << 16;
  std::vector<std::vector<std::uint8_t>> touched(kTasks, std::vector<std::uint8_t>(kItems, 0));
  std::atomic<bool> cut_short{false};
  std::atomic<int> running{0};
  EXPECT_THROW(sim::for_each_task(
                   kTasks,
                   [&](std::size_t t, const std::atomic<bool>& stop) {
                     if (t == 0) {
                       // Fail while a sibling is inside its loops.
                       const auto give_up =
                           std::chrono::steady_clock::now() + std::chrono::seconds(2);
                       while (running.load() == 0 && std::chrono::steady_clock::now() < give_up) {
                       }
                       throw std::runtime_error("task 0 fails");
                     }
                     ++running;
                     for (int step = 0; step < 50 && !stop.load(); ++step) {
                       std::fill(touched[t].begin(), touched[t].end(), 0);
                       sim::for_each_index(kItems, [&](std::size_t i) { touched[t][i] = 1; });
                       if (std::count(touched[t].begin(), touched[t].end(), 0) != 0) {
                         cut_short = true;
                       }
                     }
                   }),
               std::runtime_error);
  EXPECT_FALSE(cut_short.load());
}

TEST(IndexFilter, FindsWhatASerialScanFindsInOrderOnAnyThreadCount) {
  const std::size_t n = 10 * sim::kBlockSize + 17;
  std::vector<int> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<int>((i * 7919) % 13);
  std::vector<std::size_t> serial;
  for (std::size_t i = 0; i < n; ++i) {
    if (values[i] < 3) serial.push_back(i);
  }
  for (std::size_t threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    sim::IndexFilter filter;
    EXPECT_EQ(filter.find(n, [&](std::size_t i) { return values[i] < 3; }), serial);
    // Reused with fewer items and another predicate, nothing of the first call is left over.
    const auto& small = filter.find(5, [&](std::size_t i) { return i % 2 == 0; });
    EXPECT_EQ(small, (std::vector<std::size_t>{0, 2, 4}));
    EXPECT_TRUE(filter.find(0, [](std::size_t) { return true; }).empty());
  }
}
