// Counter-based random numbers (Random123 Philox4x64-10).
//
// Every draw is a pure function of (seed, replicate, step, phase, agent id, draw index): the
// key is (seed, replicate) and the counter is (draw block, agent id, phase, step). Nothing is
// shared between agents or threads, so results do not depend on which thread runs which agent,
// on the thread count, or on how runs are spread over processes.
#pragma once

#include <Random123/philox.h>
#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>
#include <cstdint>
#include <limits>

namespace sim {

// Agent ids below this bound are agents; draws made for a whole cluster (demand shocks, entry
// counts) use kClusterStreamBase + cluster index so that they can never share a stream with an
// agent.
inline constexpr std::uint64_t kClusterStreamBase = std::uint64_t{1} << 62;

class RandomStream {
 public:
  using result_type = std::uint64_t;
  using Philox = r123::Philox4x64;

  RandomStream(std::uint64_t seed, std::uint64_t replicate, std::uint64_t step, std::uint64_t phase,
               std::uint64_t agent_id) {
    key_ = {{seed, replicate}};
    counter_ = {{0, agent_id, phase, step}};
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  // The next raw 64-bit draw; draw index i lives in block i/4, word i%4.
  result_type operator()() {
    if (used_ == 4) {
      block_ = Philox{}(counter_, key_);
      ++counter_[0];
      used_ = 0;
    }
    return block_[used_++];
  }

  // Uniform on (0, 1): never exactly 0 or 1, so logs and inverse CDFs are safe.
  double uniform() { return r123::u01fixedpt<double>((*this)()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }

  // The first word sets the radius and the second the angle. The order is spelled out because
  // a call's arguments are evaluated in an unspecified order: this was boxmuller((*this)(),
  // (*this)()), which GCC evaluates right to left and Clang left to right, so the two
  // compilers drew different normals from the same stream.
  double normal() {
    const result_type radius_word = (*this)();
    const result_type angle_word = (*this)();
    return r123::boxmuller(angle_word, radius_word).x;
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

  // A draw that compares with `floor` as normal(mean, sd) would and equals it above the floor,
  // using the same two words of the stream; below the floor it may be -infinity. Box-Muller's
  // normal is r sin(theta) with |sin| <= 1, so when mean + sd r cannot pass the floor the angle
  // (a sincos, the costly half) is not computed. Rounding is monotone, so the test is exact.
  // sd must not be negative.
  double normal_above(double mean, double sd, double floor);

  // Beta(k, n + 1 - k) is the k-th smallest of n uniforms; Beta(3, 3) is the median of five.
  double beta33();

  // Poisson through Boost.Random's exact sampler fed by this stream.
  std::int64_t poisson(double mean);

 private:
  Philox::key_type key_;
  Philox::ctr_type counter_;
  Philox::ctr_type block_{};
  int used_ = 4;
};

}  // namespace sim
