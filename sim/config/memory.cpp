#include "sim/config/memory.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "sim/config/scenario.hpp"

namespace sim {

namespace {
// Leave room for the operating system and for the rest of the program.
constexpr double kUsableShare = 0.8;
}  // namespace

double physical_memory_bytes() {
  return static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

void check_fits_in_memory(const Scenario& scenario, std::initializer_list<std::string> keys,
                          double bytes, const std::string& what) {
  const double available = kUsableShare * physical_memory_bytes();
  if (bytes > available) {
    scenario.fail_written(keys,
                          fmt::format("{} would need about {:.3g} GB, more than the {:.3g} GB "
                                      "this machine can give a run",
                                      what, bytes / 1e9, available / 1e9));
  }
}

}  // namespace sim
