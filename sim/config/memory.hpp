// Refusing work that cannot fit: estimates are checked against the machine's memory before
// anything large is allocated.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>

namespace sim {

class Scenario;

// Physical memory of this machine in bytes.
double physical_memory_bytes();

// Throws an InputError at the first of `keys` the scenario wrote when `bytes` exceeds the share
// of physical memory a run may use; `what` says what the bytes are for.
void check_fits_in_memory(const Scenario& scenario, std::initializer_list<std::string> keys,
                          double bytes, const std::string& what);

}  // namespace sim
