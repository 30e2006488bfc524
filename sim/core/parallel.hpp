// Deterministic data-parallel loops over agent blocks.
//
// Work is cut into fixed blocks of kBlockSize agents, independent of the thread count; TBB
// decides which thread runs which block. Reductions keep one partial result per block and
// combine them in block order, so sums are bit-identical for any number of threads.
#pragma once

#include <tbb/parallel_for.h>

#include <cstddef>
#include <vector>

namespace sim {

inline constexpr std::size_t kBlockSize = 1024;

inline std::size_t block_count(std::size_t n) {
  return (n + kBlockSize - 1) / kBlockSize;
}

// Calls body(begin, end, block) for every block of [0, n), in parallel.
template <typename Body>
void for_each_block(std::size_t n, Body&& body) {
  const std::size_t blocks = block_count(n);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const std::size_t begin = b * kBlockSize;
    const std::size_t end = begin + kBlockSize < n ? begin + kBlockSize : n;
    body(begin, end, b);
  });
}

// Calls body(i) for every i in [0, n), in parallel blocks.
template <typename Body>
void for_each_index(std::size_t n, Body&& body) {
  for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t) {
    for (std::size_t i = begin; i < end; ++i) body(i);
  });
}

// Per-block partial sums of `width` accumulators (e.g. one per cluster), combined in block
// order. Storage is reused across steps; no allocation once warmed up.
class BlockSums {
 public:
  // Prepares for n items and width accumulators, all zero.
  void reset(std::size_t n, std::size_t width) {
    width_ = width;
    partial_.assign(block_count(n) * width, 0.0);
  }
  double* block(std::size_t b) { return partial_.data() + b * width_; }
  // out[j] = sum over blocks, in block order, of partial[b][j].
  void combine(std::vector<double>& out) const {
    out.assign(width_, 0.0);
    const std::size_t blocks = width_ == 0 ? 0 : partial_.size() / width_;
    for (std::size_t b = 0; b < blocks; ++b) {
      for (std::size_t j = 0; j < width_; ++j) out[j] += partial_[b * width_ + j];
    }
  }

 private:
  std::size_t width_ = 0;
  std::vector<double> partial_;
};

// What each block of a parallel scan over [0, n) found (a T per block: a list of matches, or
// several), kept in block order, so that a serial pass over them afterwards sees what a serial
// scan would have found, on any thread count. Only the blocks of the last scan are kept: a scan
// of fewer items than the one before leaves none of its findings behind. T needs clear();
// each block's T is cleared before its body runs, and keeps its capacity across scans.
template <typename T>
class BlockFindings {
 public:
  // Calls body(begin, end, found) for every block of [0, n), in parallel, found being the
  // block's own T.
  template <typename Body>
  void scan(std::size_t n, Body&& body) {
    blocks_.resize(block_count(n));
    for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
      blocks_[b].clear();
      body(begin, end, blocks_[b]);
    });
  }
  // The last scan's findings, one per block, in block order.
  const std::vector<T>& blocks() const { return blocks_; }

 private:
  std::vector<T> blocks_;
};

// The indices of [0, n) where a predicate holds, in increasing order, found by parallel blocks
// and joined in block order: what a serial scan would find, so the serial work that follows
// (over the few matches, in order) gives the same results on any thread count. Buffers are
// reused across calls.
class IndexFilter {
 public:
  template <typename Pred>
  const std::vector<std::size_t>& find(std::size_t n, Pred&& pred) {
    per_block_.scan(n, [&](std::size_t begin, std::size_t end, std::vector<std::size_t>& mine) {
      for (std::size_t i = begin; i < end; ++i) {
        if (pred(i)) mine.push_back(i);
      }
    });
    found_.clear();
    for (const std::vector<std::size_t>& mine : per_block_.blocks()) {
      found_.insert(found_.end(), mine.begin(), mine.end());
    }
    return found_;
  }

 private:
  BlockFindings<std::vector<std::size_t>> per_block_;
  std::vector<std::size_t> found_;
};

}  // namespace sim
