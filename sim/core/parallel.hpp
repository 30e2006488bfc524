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

// The indices of [0, n) where a predicate holds, in increasing order, found by parallel blocks
// and joined in block order: what a serial scan would find, so the serial work that follows
// (over the few matches, in order) gives the same results on any thread count. Buffers are
// reused across calls.
class IndexFilter {
 public:
  template <typename Pred>
  const std::vector<std::size_t>& find(std::size_t n, Pred&& pred) {
    const std::size_t blocks = block_count(n);
    if (per_block_.size() < blocks) per_block_.resize(blocks);
    for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
      std::vector<std::size_t>& mine = per_block_[b];
      mine.clear();
      for (std::size_t i = begin; i < end; ++i) {
        if (pred(i)) mine.push_back(i);
      }
    });
    found_.clear();
    for (std::size_t b = 0; b < blocks; ++b) {
      found_.insert(found_.end(), per_block_[b].begin(), per_block_[b].end());
    }
    return found_;
  }

 private:
  std::vector<std::vector<std::size_t>> per_block_;
  std::vector<std::size_t> found_;
};

}  // namespace sim
