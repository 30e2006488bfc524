// `clustersim bench`: how fast a scenario runs, measured in one process beside two reference
// kernels on the same agent count (a STREAM-like triad for memory bandwidth, and a trivial
// per-agent update for the ceiling of agent-steps per second), so that figures from noisy
// shared machines are read as ratios.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/run/ensemble.hpp"
#include "sim/run/model.hpp"

namespace sim {

struct BenchOptions {
  std::string scenario;  // its path, as reported
  int threads = 0;       // 0: all cores
  bool show_progress = true;
};

// Everything `clustersim bench` reports, measured once.
struct BenchFigures {
  std::string scenario;
  int threads = 0;
  std::size_t replicates = 0, steps = 0;
  double simulate_seconds = 0.0, write_seconds = 0.0;
  double firm_steps = 0.0, researcher_steps = 0.0;
  double peak_firms = 0.0, peak_agents = 0.0;
  double resident_added = 0.0;  // bytes the run added to the process at its peak
  PhaseTimes phases;            // summed over replicates
  double triad = 0.0, trivial = 0.0;
  std::size_t reference_agents = 0;
  std::vector<MemoryItem> memory_per_firm;  // the model's own accounting (Model::memory_per_firm)

  double agent_steps() const { return firm_steps + researcher_steps; }
  double rate(double steps_count) const {
    return simulate_seconds > 0 ? steps_count / simulate_seconds : 0.0;
  }
  double phase_total() const {
    double total = 0.0;
    for (double s : phases.seconds) total += s;
    return total;
  }
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

// Runs the scenario's ensemble with probes, writes its result file to a temporary file (timed),
// then the reference kernels on the same agent count and threads.
BenchFigures run_bench(const Model& model, const Scenario& scenario, const BenchOptions& options);

// The figures as a text report, or as one JSON object (rates in agent_steps_per_s etc.).
std::string bench_report(const BenchFigures& figures, bool json);

}  // namespace sim
