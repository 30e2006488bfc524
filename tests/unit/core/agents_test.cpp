// Structure-of-arrays agent storage (sim/agents.hpp): fresh ids, column bookkeeping and the
// stable compaction that removes dead agents.
#include <gtest/gtest.h>

#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/core/agents.hpp"

namespace {

using Ids = std::vector<std::uint64_t>;

TEST(AgentTable, StartsEmpty) {
  sim::AgentTable t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.next_id(), 0u);
  EXPECT_TRUE(t.id.empty());
}

TEST(AgentTable, AppendGivesFreshIncreasingIds) {
  sim::AgentTable t;
  EXPECT_EQ(t.append(3), 0u);  // first new index
  EXPECT_EQ(t.append(2), 3u);
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.id, (Ids{0, 1, 2, 3, 4}));
  EXPECT_EQ(t.next_id(), 5u);
  EXPECT_EQ(t.append(0), 5u);  // appending nothing changes nothing
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.next_id(), 5u);
}

TEST(AgentTable, RegisteredColumnsFollowTheTableSize) {
  sim::AgentTable t;
  std::vector<double> x;
  std::vector<std::uint8_t> flag;
  t.add_column(x, "x");
  t.add_column(flag, "flag");
  t.append(4);
  EXPECT_EQ(x.size(), 4u);
  EXPECT_EQ(flag.size(), 4u);
  // New agents' fields are value-initialised.
  for (double v : x) EXPECT_EQ(v, 0.0);
  for (auto v : flag) EXPECT_EQ(v, 0u);
  x[3] = 7.5;
  t.append(2);
  EXPECT_EQ(x.size(), 6u);
  EXPECT_EQ(x[3], 7.5);  // existing values survive growth
  EXPECT_EQ(x[5], 0.0);
}

TEST(AgentTable, ColumnAddedLaterIsSizedToTheTable) {
  sim::AgentTable t;
  t.append(3);
  std::vector<int> late;
  t.add_column(late, "late");
  EXPECT_EQ(late.size(), 3u);
  t.append(1);
  EXPECT_EQ(late.size(), 4u);
}

TEST(AgentTable, BytesPerRowSumTheIdAndEveryColumnsElement) {
  sim::AgentTable t;
  EXPECT_EQ(t.bytes_per_row(), sizeof(std::uint64_t));
  std::vector<double> x;
  std::vector<std::uint8_t> flag;
  std::vector<std::int32_t> age;
  t.add_column(x, "x");
  t.add_column(flag, "flag");
  t.add_column(age, "age");
  EXPECT_EQ(t.column_count(), 3u);
  EXPECT_EQ(t.bytes_per_row(),
            sizeof(std::uint64_t) + sizeof(double) + sizeof(std::uint8_t) + sizeof(std::int32_t));
  t.append(5);  // the size of a row does not depend on the number of rows
  EXPECT_EQ(t.bytes_per_row(), 8u + 8u + 1u + 4u);
}

TEST(AgentTable, CompactKeepsSurvivorsInOrderWithTheirValues) {
  sim::AgentTable t;
  std::vector<double> value;
  std::vector<std::string> name;
  t.add_column(value, "value");
  t.add_column(name, "name");
  t.append(6);
  for (std::size_t i = 0; i < 6; ++i) {
    value[i] = 10.0 * static_cast<double>(i);  // 0, 10, ..., 50
    name[i] = "agent" + std::to_string(i);
  }
  // Agents 0, 2 and 5 die; 1, 3, 4 survive in that order.
  const std::vector<std::uint8_t> alive{0, 1, 0, 1, 1, 0};
  EXPECT_EQ(t.compact(alive), 3u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.id, (Ids{1, 3, 4}));
  EXPECT_EQ(value, (std::vector<double>{10.0, 30.0, 40.0}));
  EXPECT_EQ(name, (std::vector<std::string>{"agent1", "agent3", "agent4"}));
}

TEST(AgentTable, CompactWithEveryoneAliveRemovesNothing) {
  sim::AgentTable t;
  std::vector<int> v;
  t.add_column(v, "v");
  t.append(3);
  v = {5, 6, 7};
  EXPECT_EQ(t.compact({1, 1, 1}), 0u);
  EXPECT_EQ(t.id, (Ids{0, 1, 2}));
  EXPECT_EQ(v, (std::vector<int>{5, 6, 7}));
}

TEST(AgentTable, CompactTreatsAnyNonZeroFlagAsAlive) {
  sim::AgentTable t;
  t.append(4);
  EXPECT_EQ(t.compact({0, 2, 255, 0}), 2u);
  EXPECT_EQ(t.id, (Ids{1, 2}));
}

TEST(AgentTable, CompactWithEveryoneDeadEmptiesTheTable) {
  sim::AgentTable t;
  std::vector<double> v;
  t.add_column(v, "v");
  t.append(3);
  EXPECT_EQ(t.compact({0, 0, 0}), 3u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(t.next_id(), 3u);
}

TEST(AgentTable, IdsAreNeverReusedAfterCompaction) {
  sim::AgentTable t;
  std::vector<int> v;
  t.add_column(v, "v");
  t.append(4);  // ids 0..3
  v = {100, 101, 102, 103};
  EXPECT_EQ(t.compact({1, 0, 0, 1}), 2u);  // ids 0, 3 survive
  EXPECT_EQ(t.append(2), 2u);              // new agents at indices 2, 3 get ids 4, 5
  EXPECT_EQ(t.id, (Ids{0, 3, 4, 5}));
  EXPECT_EQ(v, (std::vector<int>{100, 103, 0, 0}));
  EXPECT_EQ(t.compact({0, 1, 1, 0}), 2u);  // ids 3, 4 survive
  EXPECT_EQ(t.append(1), 2u);
  EXPECT_EQ(t.id, (Ids{3, 4, 6}));
  EXPECT_EQ(v, (std::vector<int>{103, 0, 0}));
  EXPECT_EQ(t.next_id(), 7u);
}

TEST(AgentTable, IdsStayStrictlyIncreasingThroughManyCycles) {
  // Births append at the end with fresh ids and compaction is stable, so the id column stays
  // sorted; the value column (set to the id at birth) stays aligned with it.
  sim::AgentTable t;
  std::vector<std::uint64_t> born_as;
  t.add_column(born_as, "born_as");
  for (int cycle = 0; cycle < 20; ++cycle) {
    const std::size_t first = t.append(7);
    for (std::size_t i = first; i < t.size(); ++i) born_as[i] = t.id[i];
    std::vector<std::uint8_t> alive(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) alive[i] = (t.id[i] * 7 + cycle) % 3 != 0;
    t.compact(alive);
    ASSERT_EQ(born_as, t.id);
    for (std::size_t i = 1; i < t.size(); ++i) ASSERT_LT(t.id[i - 1], t.id[i]);
  }
  EXPECT_EQ(t.next_id(), 140u);  // 20 cycles of 7 births
}

TEST(AgentTable, FirstNonFiniteIsTheLowestIndexOnAnyThreadCount) {
  sim::AgentTable t;
  std::vector<double> wealth, price;
  std::vector<std::int32_t> age;
  t.add_column(wealth, "wealth");
  t.add_column(age, "age");
  t.add_column(price, "price");
  t.append(5000);  // several blocks
  EXPECT_FALSE(t.first_non_finite().found);
  price[4100] = std::numeric_limits<double>::infinity();
  wealth[3000] = std::nan("");
  price[2999] = -std::numeric_limits<double>::infinity();
  for (std::size_t threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    const auto bad = t.first_non_finite();
    ASSERT_TRUE(bad.found);
    EXPECT_EQ(bad.index, 2999u);
    EXPECT_EQ(bad.column, "price");
    EXPECT_TRUE(std::isinf(bad.value) && bad.value < 0);
  }
  price[2999] = 1.0;
  const auto next = t.first_non_finite();
  EXPECT_EQ(next.index, 3000u);
  EXPECT_EQ(next.column, "wealth");
  EXPECT_TRUE(std::isnan(next.value));
}

}  // namespace
