#include "sim/random.hpp"

#include <algorithm>
#include <array>
#include <random>

namespace sim {

double RandomStream::beta33() {
  std::array<double, 5> u{};
  for (double& x : u) x = uniform();
  std::nth_element(u.begin(), u.begin() + 2, u.end());
  return u[2];
}

std::int64_t RandomStream::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  return std::poisson_distribution<std::int64_t>(mean)(*this);
}

}  // namespace sim
