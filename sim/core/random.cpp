#include "sim/core/random.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>

namespace sim {

double RandomStream::beta33() {
  const double a = uniform(), b = uniform(), c = uniform(), d = uniform(), e = uniform();
  // The median of five without sorting: the smallest and the largest of the first four cannot
  // be the median, and dropping one value below it and one above leaves it the median of the
  // other three. The min/max chain compiles to branch-free code.
  const double low = std::max(std::min(a, b), std::min(c, d));
  const double high = std::min(std::max(a, b), std::max(c, d));
  return std::max(std::min(low, high), std::min(std::max(low, high), e));
}

double RandomStream::normal() {
  return boost::random::normal_distribution<double>(0.0, 1.0)(*this);
}

std::int64_t RandomStream::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  // Boost's sampler (inversion below a mean of 10, PTRD above) rather than the standard
  // library's: libstdc++'s calls lgamma, which writes the global signgam, a data race when
  // threads draw at once; and Boost's draws are the same under every standard library.
  return boost::random::poisson_distribution<std::int64_t, double>(mean)(*this);
}

}  // namespace sim
