// Counter-based random numbers (Random123 Philox4x64-10).
//
// Every draw is a pure function of (seed, replicate, step, phase, agent id, draw index): the
// key is (seed, replicate) and the counter is (draw block, agent id, phase, step). Nothing is
// shared between agents or threads, so results do not depend on which thread runs which agent,
// on the thread count, or on how runs are spread over processes.
#pragma once

#include <Random123/philox.h>
#include <cstdint>
#include <limits>

namespace sim {

// Agent ids below this bound are agents; draws made for a whole cluster (demand shocks, entry
// counts) use kClusterStreamBase + cluster index so that they can never share a stream with an
// agent.
inline constexpr std::uint64_t kClusterStreamBase = std::uint64_t{1} << 62;

class RandomStream {
 public:
  // 32-bit draws: each Philox block of four 64-bit words gives eight, low half first.
  using result_type = std::uint32_t;
  using Philox = r123::Philox4x64;

  RandomStream(std::uint64_t seed, std::uint64_t replicate, std::uint64_t step, std::uint64_t phase,
               std::uint64_t agent_id) {
    key_ = {{seed, replicate}};
    counter_ = {{0, agent_id, phase, step}};
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  // The next raw 32-bit draw; draw index i is half i%2 of word (i/2)%4 of block i/8.
  result_type operator()() {
    if (used_ == kDrawsPerBlock) {
      block_ = Philox{}(counter_, key_);
      ++counter_[0];
      used_ = 0;
    }
    const std::uint64_t word = block_[used_ / 2];
    const int shift = 32 * (used_ % 2);
    ++used_;
    return static_cast<result_type>(word >> shift);
  }

  // Uniform on (0, 1) from one 32-bit draw, at the midpoints of 2^32 equal cells: never exactly
  // 0 or 1, so logs and inverse CDFs are safe; the smallest value is 2^-33.
  double uniform() { return (static_cast<double>((*this)()) + 0.5) * 0x1p-32; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }

  // Standard normal by Boost.Random's ziggurat (Marsaglia and Tsang 2000), fed by this stream.
  double normal();
  double normal(double mean, double sd) { return mean + sd * normal(); }

  // normal(mean, sd) where it is above `floor`; below it, -infinity (callers only read values
  // above the floor).
  double normal_above(double mean, double sd, double floor) {
    const double x = normal(mean, sd);
    return x > floor ? x : -std::numeric_limits<double>::infinity();
  }

  // Beta(k, n + 1 - k) is the k-th smallest of n uniforms; Beta(3, 3) is the median of five.
  double beta33();

  // Poisson through Boost.Random's exact sampler fed by this stream.
  std::int64_t poisson(double mean);

 private:
  Philox::key_type key_;
  Philox::ctr_type counter_;
  static constexpr int kDrawsPerBlock = 8;
  Philox::ctr_type block_{};
  int used_ = kDrawsPerBlock;
};

}  // namespace sim
