// What both scenario targets check of a scenario that validated: its resolved YAML loads back to
// the same resolved YAML, as a sweep needs (it runs every point from its base's resolved YAML).
// A failure is a finding: the target aborts with the YAML, which libFuzzer reports as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/config/scenario.hpp"
#include "sim/core/errors.hpp"

namespace fuzz {

inline void check_round_trip(const sim::Scenario& scenario) {
  const std::string resolved = scenario.resolved_yaml();
  std::string again;
  try {
    again = sim::Scenario::from_yaml(resolved, "<resolved>", scenario.schema()).resolved_yaml();
  } catch (const sim::InputError& e) {
    std::fprintf(stderr, "the resolved YAML does not load back: %s\n%s", e.what(),
                 resolved.c_str());
    std::abort();
  }
  if (again != resolved) {
    std::fprintf(stderr, "the resolved YAML loads back as another scenario:\n%s\n---\n%s",
                 resolved.c_str(), again.c_str());
    std::abort();
  }
}

}  // namespace fuzz
