// `clustersim bench`: how fast a scenario runs, measured in one process beside two reference
// kernels on the same agent count (a STREAM-like triad for memory bandwidth, and a trivial
// per-agent update for the ceiling of agent-steps per second), so that figures from noisy
// shared machines are read as ratios.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/model.hpp"

namespace sim {

struct BenchOptions {
  std::string scenario;
  std::vector<std::string> sets;  // --set overrides
  int threads = 0;                // 0: all cores
  bool json = false;
  bool quiet = false;
};

// Memory bandwidth of a[i] = b[i] + s * c[i] over `n` doubles per array on the current TBB
// arena: bytes moved (three arrays) per second, best of `repeats`.
double triad_bytes_per_second(std::size_t n, int repeats);

// Agent-steps per second of a trivial update of `n` agents (three fields and one counter-based
// random draw each) over `steps` steps, on the current TBB arena.
double trivial_agent_steps_per_second(std::size_t n, int steps);

// Resident set size of this process now and at its peak, in bytes (0 when unknown).
struct Resident {
  double now = 0.0, peak = 0.0;
};
Resident resident_bytes();

// Runs the command; returns the exit code. Throws InputError for a bad scenario.
int bench_command(const Model& model, const BenchOptions& options);

}  // namespace sim
