#include "sim/core/zeroed.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace sim {

ZeroedDoubles::ZeroedDoubles(std::size_t n)
    : data_(static_cast<double*>(std::calloc(n == 0 ? 1 : n, sizeof(double)))), size_(n) {
  if (!data_) throw std::bad_alloc();
}

ZeroedDoubles::ZeroedDoubles(const ZeroedDoubles& other) : ZeroedDoubles(other.size_) {
  std::copy_n(other.data(), size_, data());
}

ZeroedDoubles& ZeroedDoubles::operator=(const ZeroedDoubles& other) {
  if (this != &other) *this = ZeroedDoubles(other);
  return *this;
}

void ZeroedDoubles::Free::operator()(double* p) const {
  std::free(p);
}

}  // namespace sim
