#include "sim/core/random.hpp"

#include <algorithm>
#include <array>
#include <boost/random/poisson_distribution.hpp>

namespace sim {

double RandomStream::beta33() {
  std::array<double, 5> u{};
  for (double& x : u) x = uniform();
  std::nth_element(u.begin(), u.begin() + 2, u.end());
  return u[2];
}

std::int64_t RandomStream::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  // Boost's sampler (inversion below a mean of 10, PTRD above) rather than the standard
  // library's: libstdc++'s calls lgamma, which writes the global signgam, a data race when
  // threads draw at once; and Boost's draws are the same under every standard library.
  return boost::random::poisson_distribution<std::int64_t, double>(mean)(*this);
}

}  // namespace sim
