#include "sim/core/agents.hpp"

#include <algorithm>

#include "sim/core/parallel.hpp"

#include <sys/mman.h>
#include <tbb/parallel_for.h>

#include <cstdint>

namespace sim {

void AgentTable::advise_huge_pages(void* start, std::size_t bytes) {
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(start);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (last <= first) return;
  // The result is ignored on purpose: without huge pages the column works the same, slower.
  (void)madvise(static_cast<char*>(start) + (first - begin), last - first, MADV_HUGEPAGE);
}

std::size_t AgentTable::bytes_per_row() const {
  std::size_t bytes = 0;
  for (const auto& [name, size] : column_bytes()) bytes += size;
  return bytes;
}

std::vector<std::pair<std::string, std::size_t>> AgentTable::column_bytes() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  out.reserve(columns_.size() + 1);
  out.emplace_back("id", sizeof(decltype(id)::value_type));
  for (const auto& column : columns_) out.emplace_back(column->name, column->element_bytes());
  return out;
}

std::size_t AgentTable::append(std::size_t n) {
  const std::size_t first = id.size();
  id.resize(first + n);
  for (std::size_t i = first; i < first + n; ++i) id[i] = next_id_++;
  // Growing a column zeroes its new part: for a large world, hundreds of megabytes, so the
  // columns grow on their own threads.
  constexpr std::size_t kWorthThreads = 4096;
  if (n < kWorthThreads) {
    for (auto& column : columns_) column->resize(first + n);
  } else {
    tbb::parallel_for(std::size_t{0}, columns_.size(),
                      [&](std::size_t k) { columns_[k]->resize(first + n); });
  }
  return first;
}

std::size_t AgentTable::compact(const std::vector<std::uint8_t>& alive) {
  runs_.clear();
  const std::size_t n = id.size();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n;) {
    while (i < n && alive[i] == 0) ++i;
    const std::size_t from = i;
    while (i < n && alive[i] != 0) ++i;
    if (i > from) runs_.push_back({from, i - from});
    kept += i - from;
  }
  const std::size_t removed = n - kept;
  if (removed == 0) return 0;
  keep_runs(id, runs_, kept);
  // Columns are independent: each moves on its own thread, in the same way on any thread count.
  tbb::parallel_for(std::size_t{0}, columns_.size(),
                    [&](std::size_t k) { columns_[k]->keep_only(runs_, kept); });
  return removed;
}

AgentTable::NonFinite AgentTable::first_non_finite() const {
  const std::size_t n = id.size();
  // Per block, the first bad index and its column; the lowest block that found one wins, so the
  // answer does not depend on the thread count.
  std::vector<std::size_t> first(block_count(n), n);
  std::vector<std::size_t> column(block_count(n), 0);
  for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
    for (std::size_t k = 0; k < columns_.size(); ++k) {
      const std::size_t limit = std::min(end, first[b]);
      const std::size_t i = columns_[k]->first_non_finite(begin, limit);
      if (i < limit) {
        first[b] = i;
        column[b] = k;
      }
    }
  });
  for (std::size_t b = 0; b < first.size(); ++b) {
    if (first[b] < n) {
      const ColumnBase& c = *columns_[column[b]];
      return {true, first[b], c.name, c.value(first[b])};
    }
  }
  return {};
}

}  // namespace sim
