// A zero-initialised array of doubles that costs nothing until it is written.
#pragma once

#include <cstddef>
#include <memory>

namespace sim {

// Doubles that start at zero, from calloc: a large buffer arrives as fresh zero pages from the
// kernel, so allocating an ensemble's array costs nothing until its replicates write it, and a
// stop request during a run of many replicates is not held up by zeroing gigabytes first.
class ZeroedDoubles {
 public:
  ZeroedDoubles() = default;
  explicit ZeroedDoubles(std::size_t n);
  ZeroedDoubles(const ZeroedDoubles& other);
  ZeroedDoubles& operator=(const ZeroedDoubles& other);
  ZeroedDoubles(ZeroedDoubles&& other) noexcept = default;
  ZeroedDoubles& operator=(ZeroedDoubles&& other) noexcept = default;
  ~ZeroedDoubles() = default;

  double* data() { return data_.get(); }
  const double* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(double* p) const;
  };
  std::unique_ptr<double[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace sim
