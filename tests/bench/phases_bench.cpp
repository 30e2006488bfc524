// Micro-benchmarks of what a quarter spends its time on: a whole quarter of the plan's world
// (with each phase's share), and the kernels inside the phases.
#include <benchmark/benchmark.h>

#include <fmt/format.h>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "sim/analysis/bench.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/agents.hpp"
#include "sim/core/parallel.hpp"
#include "sim/core/random.hpp"

namespace {

const std::string kPlan = std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml";

// One quarter of the plan's world with `state.range(0)` firms per cluster, restarted when the
// calendar ends (outside the timed region). Items are firms advanced.
void BM_PlanQuarter(benchmark::State& state) {
  const models::ClusterModel model;
  const sim::Scenario scenario = sim::Scenario::load(
      kPlan, model.schema(),
      {{"run.replicates=1", fmt::format("world.initial_firms={{default: {}}}", state.range(0))}});
  const auto prepared = model.prepare(scenario);
  const int steps = scenario.calendar().steps();
  sim::PhaseTimes phases;
  std::unique_ptr<sim::Replicate> world = prepared->start(0, sim::StopFlags{});
  world->time_phases(&phases);
  int t = 0;
  double firms = 0.0;
  for (auto _ : state) {
    if (t == steps) {
      state.PauseTiming();
      world = prepared->start(0, sim::StopFlags{});
      world->time_phases(&phases);
      t = 0;
      state.ResumeTiming();
    }
    firms += world->agents().firms;
    world->step(t++);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(firms));
  double total = 0.0;
  for (double s : phases.seconds) total += s;
  for (std::size_t k = 0; k < phases.names.size(); ++k) {
    state.counters[phases.names[k] + "_share"] = total > 0 ? phases.seconds[k] / total : 0.0;
  }
}
BENCHMARK(BM_PlanQuarter)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(55556)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// A firm table of n firms in 18 clusters with random log-productivity.
void fill_firms(models::FirmTable& firms, std::size_t n) {
  firms.agents.append(n);
  for (std::size_t i = 0; i < n; ++i) {
    sim::RandomStream rng(1, 0, 0, 0, i);
    firms.cluster[i] = static_cast<std::uint16_t>(i % 18);
    firms.log_productivity[i] = rng.normal();
    firms.alive[i] = 1;
  }
}

// The ranking innovation builds every quarter: firms sorted by productivity within clusters.
void BM_ProductivityRanking(benchmark::State& state) {
  models::FirmTable firms;
  fill_firms(firms, static_cast<std::size_t>(state.range(0)));
  models::ProductivityRanking ranking;
  for (auto _ : state) {
    ranking.build(firms, 18);
    benchmark::DoNotOptimize(ranking.ranked.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ProductivityRanking)
    ->Arg(1 << 14)
    ->Arg(1 << 20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// End-of-quarter compaction of the firm table when 2% of firms die.
void BM_CompactFirms(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> alive(n, 1);
  for (std::size_t i = 0; i < n; i += 50) alive[i] = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto firms = std::make_unique<models::FirmTable>();
    fill_firms(*firms, n);
    state.ResumeTiming();
    firms->agents.compact(alive);
    benchmark::DoNotOptimize(firms->cluster.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CompactFirms)
    ->Arg(1 << 14)
    ->Arg(1 << 20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The counter-based draws the phases make per firm: a stream's construction and one draw.
template <typename Draw>
void draws(benchmark::State& state, Draw draw) {
  std::uint64_t agent = 0;
  double sum = 0.0;
  for (auto _ : state) {
    sim::RandomStream rng(7, 0, 3, 1, agent++);
    sum += draw(rng);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
void BM_DrawUniform(benchmark::State& s) {
  draws(s, [](sim::RandomStream& r) { return r.uniform(); });
}
void BM_DrawNormal(benchmark::State& s) {
  draws(s, [](sim::RandomStream& r) { return r.normal(); });
}
void BM_DrawBeta33(benchmark::State& s) {
  draws(s, [](sim::RandomStream& r) { return r.beta33(); });
}
void BM_DrawPoissonSmall(benchmark::State& s) {
  draws(s, [](sim::RandomStream& r) { return static_cast<double>(r.poisson(0.1)); });
}
void BM_DrawPoissonFive(benchmark::State& s) {
  draws(s, [](sim::RandomStream& r) { return static_cast<double>(r.poisson(5.0)); });
}
BENCHMARK(BM_DrawUniform);
BENCHMARK(BM_DrawNormal);
BENCHMARK(BM_DrawBeta33);
BENCHMARK(BM_DrawPoissonSmall);
BENCHMARK(BM_DrawPoissonFive);

// Per-cluster sums in block order, the reduction behind every firm pass.
void BM_BlockSums(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<double> values(n, 1.5);
  std::vector<std::uint16_t> cluster(n);
  for (std::size_t i = 0; i < n; ++i) cluster[i] = static_cast<std::uint16_t>(i % 18);
  sim::BlockSums sums;
  std::vector<double> out;
  for (auto _ : state) {
    sums.reset(n, 18);
    sim::for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
      double* partial = sums.block(b);
      for (std::size_t i = begin; i < end; ++i) partial[cluster[i]] += values[i];
    });
    sums.combine(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BlockSums)->Arg(1 << 14)->Arg(1 << 20)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The ordered parallel filter that replaced the serial scans over all firms.
void BM_IndexFilter(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> alive(n, 1);
  for (std::size_t i = 0; i < n; i += 50) alive[i] = 0;
  sim::IndexFilter filter;
  for (auto _ : state) {
    benchmark::DoNotOptimize(filter.find(n, [&](std::size_t i) { return alive[i] == 0; }).data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_IndexFilter)->Arg(1 << 14)->Arg(1 << 20)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The reference kernel of `clustersim bench` through sim::trivial_agent_steps_per_second, which
// repeats the update for at least 0.25 s: its rate is the counter, not the iteration time.
void BM_TrivialUpdate(benchmark::State& state) {
  double rate = 0.0;
  for (auto _ : state) {
    rate = sim::trivial_agent_steps_per_second(static_cast<std::size_t>(state.range(0)), 4);
  }
  state.counters["agent_steps_per_s"] = rate;
}
BENCHMARK(BM_TrivialUpdate)
    ->Arg(1 << 20)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One step of the same trivial update (three fields and one counter-based draw per agent),
// re-expressed so that items per second compare directly with BM_PlanQuarter's.
void BM_TrivialStep(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<double> position(n, 0.0), velocity(n, 0.0), wealth(n, 1.0);
  std::uint64_t t = 0;
  for (auto _ : state) {
    sim::for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t i = begin; i < end; ++i) {
        sim::RandomStream rng(1, 0, t, 0, i);
        const double u = rng.uniform();
        velocity[i] = 0.9 * velocity[i] + 0.1 * (u - 0.5);
        position[i] += velocity[i];
        wealth[i] *= 1.0 + 0.01 * u;
      }
    });
    ++t;
  }
  benchmark::DoNotOptimize(position.data());
  benchmark::DoNotOptimize(wealth.data());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TrivialStep)->Arg(1 << 14)->Arg(1 << 20)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
