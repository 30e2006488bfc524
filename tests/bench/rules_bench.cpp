// Micro-benchmarks of the per-firm rules a quarter applies to every firm (R&D planning and
// income tax, on the plan's own settings), and of compacting a wide agent table.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "models/policy.hpp"
#include "models/tax.hpp"
#include "sim/config/scenario.hpp"
#include "sim/core/agents.hpp"
#include "sim/core/random.hpp"

namespace {

constexpr std::size_t kClusters = 18;

// The plan's settings in 2017 (the 75% super-deduction for technology-based SMEs is in force),
// for the first cluster.
struct PlanSettings {
  models::FirmParams params;
  models::TaxRules rules;
  models::Levers levers;
};

const PlanSettings& plan_settings() {
  static const PlanSettings settings = [] {
    const models::ClusterModel model;
    const sim::Scenario scenario = sim::Scenario::load(
        std::string(CLUSTERSIM_SOURCE_DIR) + "/scenarios/shandong-2015.yaml", model.schema());
    constexpr int k2017Q1 = 12;  // the calendar starts in 2014Q1
    return PlanSettings{models::FirmParams::from(scenario),
                        models::tax_rules_at(scenario, k2017Q1, 0),
                        models::levers_at(scenario, k2017Q1, 0)};
  }();
  return settings;
}

// n firms of every type and size, some certified HNTEs, some with high-tech products (so they
// may bunch at the HNTE threshold), some in debt; with each one's quarter inputs.
struct FirmInputs {
  models::FirmTable firms;
  std::vector<double> sales, profit, credit;
  std::vector<models::QuarterIncome> income;
  std::vector<double> loss_pool;
  std::vector<int> loss_pool_age;

  explicit FirmInputs(std::size_t n) {
    const PlanSettings& s = plan_settings();
    firms.agents.append(n);
    sales.resize(n);
    profit.resize(n);
    credit.resize(n);
    income.resize(n);
    loss_pool.resize(n);
    loss_pool_age.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      sim::RandomStream rng(11, 0, 0, 0, i);
      const double kind = rng.uniform();
      const auto type = kind < 0.05   ? models::FirmType::Backbone
                        : kind < 0.75 ? models::FirmType::Sme
                                      : models::FirmType::Startup;
      const double k = std::exp(rng.normal(std::log(5e7), 1.5));
      firms.cluster[i] = static_cast<std::uint16_t>(i % kClusters);
      firms.type[i] = static_cast<std::uint8_t>(type);
      firms.capital[i] = k;
      firms.log_productivity[i] = rng.normal(std::log(0.3), 0.3);
      firms.cash[i] = k * rng.uniform(-0.3, 0.3);
      firms.takeup_draw[i] = rng.uniform();
      firms.hightech_products[i] = rng.bernoulli(0.3) ? 1 : 0;
      firms.hnte_quarters_left[i] = rng.bernoulli(0.2) ? 8 : 0;
      firms.patent_stock[i] = std::floor(rng.uniform(0.0, 20.0));
      sales[i] = std::exp(firms.log_productivity[i]) * k;
      firms.sales_avg[i] = sales[i];
      profit[i] = sales[i] * rng.normal(0.05, 0.08);
      credit[i] = models::credit_limit(k, firms.patent_stock[i], type, s.levers, s.params);
      const bool hnte = firms.hnte_quarters_left[i] > 0;
      const double rd = 0.03 * sales[i];
      income[i] = {profit[i],
                   rng.bernoulli(0.6) ? 0.75 * rd : 0.0,
                   rng.bernoulli(0.1) ? 0.02 * sales[i] : 0.0,
                   hnte,
                   hnte || models::is_tech_sme(4 * sales[i], k, s.rules),
                   k};
      const bool in_loss = rng.bernoulli(0.3);
      loss_pool[i] = in_loss ? 0.1 * sales[i] : 0.0;
      loss_pool_age[i] = in_loss ? static_cast<int>(rng.uniform(0.0, 24.0)) : 0;
    }
  }
};

// A quarter's R&D plan of each firm (the R&D and labour phase's per-firm rule), serially.
void BM_QuarterRd(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const PlanSettings& s = plan_settings();
  const FirmInputs in(n);
  double total = 0.0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const models::QuarterRd rd = models::plan_quarter_rd(
          in.firms, i, in.sales[i], in.profit[i], s.rules, s.levers, in.credit[i], s.params);
      total += rd.plan.real + rd.plan.reported + rd.deduction;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_QuarterRd)->Arg(1 << 14)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

// A quarter's income tax of each firm with the tax each preference saves (the production and
// tax phase's per-firm rule), serially.
void BM_QuarterTax(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const PlanSettings& s = plan_settings();
  const FirmInputs in(n);
  double total = 0.0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const models::QuarterTax t =
          models::quarter_tax(in.income[i], in.loss_pool[i], in.loss_pool_age[i], s.rules);
      total += t.tax + t.carry.pool + t.without_deduction + t.without_relief + t.without_hnte;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_QuarterTax)->Arg(1 << 14)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

// Registers a column with or without a name: AgentTable::add_column is gaining a name
// argument, and the benchmark builds against either form.
template <typename Table, typename T>
void register_column(Table& table, std::vector<T>& column, const std::string& name) {
  if constexpr (requires { table.add_column(column, name); }) {
    table.add_column(column, name);
  } else {
    table.add_column(column);
  }
}

// Compaction of an agent table of 50 double columns when 2% of its n agents die (scattered);
// the table is grown back to n outside the timed region.
void BM_CompactColumns(benchmark::State& state) {
  constexpr std::size_t kColumns = 50;
  const auto n = static_cast<std::size_t>(state.range(0));
  sim::AgentTable table;
  std::vector<std::vector<double>> columns(kColumns);  // never resized: the table refers to them
  for (std::size_t k = 0; k < kColumns; ++k) {
    register_column(table, columns[k], "x" + std::to_string(k));
  }
  table.append(n);
  for (std::size_t k = 0; k < kColumns; ++k) {
    for (std::size_t i = 0; i < n; ++i) columns[k][i] = static_cast<double>(k + i);
  }
  std::vector<std::uint8_t> alive(n);
  for (std::size_t i = 0; i < n; ++i) {
    sim::RandomStream rng(5, 0, 0, 0, i);
    alive[i] = rng.bernoulli(0.02) ? 0 : 1;
  }
  for (auto _ : state) {
    const std::size_t removed = table.compact(alive);
    state.PauseTiming();
    table.append(removed);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["bytes_per_agent"] = static_cast<double>(kColumns * sizeof(double));
}
BENCHMARK(BM_CompactColumns)
    ->Arg(1 << 14)
    ->Arg(1 << 20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
