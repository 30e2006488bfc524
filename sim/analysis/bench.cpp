#include "sim/analysis/bench.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/core/json.hpp"
#include "sim/core/parallel.hpp"
#include "sim/core/random.hpp"
#include "sim/io/result_file.hpp"
#include "sim/run/ensemble.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A value in kB from /proc/self/status ("VmRSS:   1234 kB"), in bytes.
double status_kilobytes(const std::string& text, const std::string& field) {
  const auto at = text.find(field + ":");
  if (at == std::string::npos) return 0.0;
  std::istringstream in(text.substr(at + field.size() + 1));
  double kb = 0.0;
  in >> kb;
  return kb * 1024.0;
}

PhaseTimes sum_phases(const std::vector<ReplicateProbe>& probes) {
  PhaseTimes total;
  for (const auto& p : probes) {
    if (total.names.empty()) {
      total.names = p.phases.names;
      total.seconds.assign(p.phases.seconds.size(), 0.0);
    }
    for (std::size_t k = 0; k < p.phases.seconds.size() && k < total.seconds.size(); ++k) {
      total.seconds[k] += p.phases.seconds[k];
    }
  }
  return total;
}

// Runs the scenario's ensemble with probes, then writes its result file to a temporary name
// (timed) and removes it.
void measure_model(const Model& model, const Scenario& scenario, bool show_progress,
                   BenchFigures& f) {
  f.replicates = static_cast<std::size_t>(scenario.replicates());
  f.steps = static_cast<std::size_t>(scenario.calendar().steps());
  std::vector<ReplicateProbe> probes(f.replicates);
  const Resident before = resident_bytes();
  ProgressCounter counter;
  EnsembleResult result;
  {
    ProgressPrinter printer(counter,
                            show_progress ? default_progress_style(stderr) : ProgressStyle::Quiet);
    const auto start = Clock::now();
    result = run_ensemble(model, scenario, RunControl{&counter, nullptr, &probes});
    f.simulate_seconds = seconds_since(start);
  }
  f.resident_added = std::max(0.0, resident_bytes().peak - before.now);
  for (const auto& p : probes) {
    f.firm_steps += p.firm_steps;
    f.researcher_steps += p.researcher_steps;
    f.peak_firms = std::max(f.peak_firms, p.peak_firms);
    f.peak_agents = std::max(f.peak_agents, p.peak_agents);
  }
  f.phases = sum_phases(probes);

  const fs::path temporary =
      fs::temp_directory_path() / fmt::format("clustersim-bench-{}.h5", getpid());
  const auto start = Clock::now();
  write_result_file(temporary.string(), model, scenario, result,
                    Provenance{"bench", f.threads, {}});
  f.write_seconds = seconds_since(start);
  std::error_code ec;
  fs::remove(temporary, ec);
}

// Bytes the run added at its peak, per agent alive at the peak (replicates run at once each
// hold their own world, so the peak counts every replicate's agents).
double bytes_per(double count, const BenchFigures& f) {
  const double concurrent =
      std::min<double>(static_cast<double>(f.replicates), static_cast<double>(f.threads));
  return count > 0 ? f.resident_added / (count * std::max(1.0, concurrent)) : 0.0;
}

std::string report_text(const BenchFigures& f) {
  std::string out =
      fmt::format("clustersim bench: {} ({} replicate(s) x {} quarters, {} threads)\n\n",
                  f.scenario, f.replicates, f.steps, f.threads);
  out += fmt::format("agents at the peak          {:>14.0f} firms, {:.0f} with researchers\n",
                     f.peak_firms, f.peak_agents);
  out += fmt::format("simulated in                {:>14.3f} s\n", f.simulate_seconds);
  out += fmt::format("agent-steps per second      {:>14.4g} (firms and researchers)\n",
                     f.rate(f.agent_steps()));
  out += fmt::format("  firm-steps per second     {:>14.4g}\n", f.rate(f.firm_steps));
  out += fmt::format("  researcher-steps per s    {:>14.4g} (persons, held as counts)\n",
                     f.rate(f.researcher_steps));
  out += fmt::format("resident bytes per agent    {:>14.1f} ({:.1f} per firm)\n",
                     bytes_per(f.peak_agents, f), bytes_per(f.peak_firms, f));
  if (!f.memory_per_firm.empty()) {
    std::size_t state = 0, scratch = 0, arrays = 0;
    for (const MemoryItem& item : f.memory_per_firm) {
      (item.scratch ? scratch : state) += item.bytes;
      if (!item.scratch) ++arrays;
    }
    out += fmt::format(
        "  of which the model holds  {:>14} bytes per firm ({} of state in {} arrays, {} of "
        "scratch; --json lists them)\n",
        state + scratch, state, arrays, scratch);
  }
  out += fmt::format("HDF5 writing                {:>14.3f} s ({:.1f}% of simulating + writing)\n",
                     f.write_seconds,
                     100.0 * f.write_seconds / (f.simulate_seconds + f.write_seconds));
  out += fmt::format(
      "\nreference kernels, same process and threads (trivial update on {} "
      "agents):\n",
      f.reference_agents);
  out += fmt::format("  memory bandwidth (triad)  {:>14.3g} GB/s\n", f.triad / 1e9);
  out += fmt::format("  trivial update            {:>14.4g} agent-steps/s\n", f.trivial);
  out += fmt::format("  model / trivial           {:>14.3f}\n",
                     f.trivial > 0 ? f.rate(f.agent_steps()) / f.trivial : 0.0);
  const double total = f.phase_total();
  if (total > 0) {
    out += "\ntime per phase (summed over replicates):\n";
    for (std::size_t k = 0; k < f.phases.names.size(); ++k) {
      out += fmt::format("  {:<22} {:>6.1f}%  {:>9.3f} s\n", f.phases.names[k],
                         100.0 * f.phases.seconds[k] / total, f.phases.seconds[k]);
    }
  }
  return out;
}

nlohmann::ordered_json report_json(const BenchFigures& f) {
  nlohmann::ordered_json phases = nlohmann::ordered_json::object();
  const double total = f.phase_total();
  for (std::size_t k = 0; k < f.phases.names.size(); ++k) {
    phases[f.phases.names[k]] = {{"seconds", f.phases.seconds[k]},
                                 {"share", total > 0 ? f.phases.seconds[k] / total : 0.0}};
  }
  nlohmann::ordered_json memory = nlohmann::ordered_json::array();
  for (const MemoryItem& item : f.memory_per_firm) {
    memory.push_back({{"name", item.name}, {"bytes", item.bytes}, {"scratch", item.scratch}});
  }
  return {{"scenario", f.scenario},
          {"threads", f.threads},
          {"replicates", f.replicates},
          {"steps", f.steps},
          {"simulate_seconds", f.simulate_seconds},
          {"agent_steps", f.agent_steps()},
          {"agent_steps_per_s", f.rate(f.agent_steps())},
          {"firm_steps_per_s", f.rate(f.firm_steps)},
          {"researcher_steps_per_s", f.rate(f.researcher_steps)},
          {"peak_firms", f.peak_firms},
          {"peak_agents", f.peak_agents},
          {"resident_bytes_per_agent", bytes_per(f.peak_agents, f)},
          {"resident_bytes_per_firm", bytes_per(f.peak_firms, f)},
          {"hdf5_write_seconds", f.write_seconds},
          {"hdf5_write_share", f.write_seconds / (f.simulate_seconds + f.write_seconds)},
          {"reference_agents", f.reference_agents},
          {"triad_bytes_per_s", f.triad},
          {"trivial_agent_steps_per_s", f.trivial},
          {"model_to_trivial", f.trivial > 0 ? f.rate(f.agent_steps()) / f.trivial : 0.0},
          {"phases", phases},
          {"memory_per_firm", memory}};
}

}  // namespace

Resident resident_bytes() {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << in.rdbuf();
  return {status_kilobytes(text.str(), "VmRSS"), status_kilobytes(text.str(), "VmHWM")};
}

double triad_bytes_per_second(std::size_t n, int repeats) {
  std::vector<double> a(n), b(n, 1.0), c(n, 2.0);
  // First touch in parallel, so pages sit where the threads that use them run.
  for_each_index(n, [&](std::size_t i) { a[i] = 0.0; });
  double best = 0.0;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t i = begin; i < end; ++i) a[i] = b[i] + 3.0 * c[i];
    });
    const double seconds = seconds_since(start);
    if (seconds > 0) best = std::max(best, 3.0 * sizeof(double) * static_cast<double>(n) / seconds);
  }
  // Keep the result observable so the loop is not optimised away.
  if (a[n / 2] != 7.0) return 0.0;
  return best;
}

double trivial_agent_steps_per_second(std::size_t n, int steps) {
  std::vector<double> position(n, 0.0), velocity(n, 0.0), wealth(n, 1.0);
  for_each_index(n, [&](std::size_t i) { position[i] = 0.0; });
  // Small worlds repeat the calendar until the time is long enough to measure.
  constexpr double kMinSeconds = 0.25;
  const auto start = Clock::now();
  long done = 0;
  for (int t = 0; t < steps || seconds_since(start) < kMinSeconds; ++t, ++done) {
    for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t i = begin; i < end; ++i) {
        RandomStream rng(1, 0, static_cast<std::uint64_t>(t), 0, i);
        const double u = rng.uniform();
        velocity[i] = 0.9 * velocity[i] + 0.1 * (u - 0.5);
        position[i] += velocity[i];
        wealth[i] *= 1.0 + 0.01 * u;
      }
    });
  }
  const double seconds = seconds_since(start);
  double check = 0.0;
  for (std::size_t i = 0; i < n; i += 4096) check += position[i] + wealth[i];
  if (!std::isfinite(check)) return 0.0;
  return seconds > 0 ? static_cast<double>(n) * static_cast<double>(done) / seconds : 0.0;
}

BenchFigures run_bench(const Model& model, const Scenario& scenario, const BenchOptions& options) {
  const int cores = tbb::info::default_concurrency();
  BenchFigures f;
  f.scenario = options.scenario;
  f.threads = options.threads > 0 ? std::min(options.threads, cores) : cores;
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(f.threads));
  if (options.show_progress) {
    fmt::print(stderr, "bench: {} on {} threads\n", options.scenario, f.threads);
  }
  measure_model(model, scenario, options.show_progress, f);
  f.memory_per_firm = model.memory_per_firm();
  // The trivial update runs on the model's agent count over as many steps as the scenario; the
  // triad on at least 16 Mi doubles per array (128 MiB), so that no cache flatters it.
  f.reference_agents = std::max<std::size_t>(1, static_cast<std::size_t>(f.peak_agents));
  f.triad = triad_bytes_per_second(std::max<std::size_t>(f.reference_agents, 1U << 24), 5);
  f.trivial = trivial_agent_steps_per_second(f.reference_agents, static_cast<int>(f.steps));
  return f;
}

std::string bench_report(const BenchFigures& figures, bool json) {
  return json ? json_text(report_json(figures)) : report_text(figures);
}

}  // namespace sim
