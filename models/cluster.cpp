#include "models/cluster.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <thread>

#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/platform.hpp"
#include "models/policy.hpp"
#include "sim/config/csv.hpp"
#include "sim/config/memory.hpp"

namespace models {
namespace {

// The fields of the initial-state file: where each goes, its domain, and whether every cluster
// must give it (bit != 0).
struct StartField {
  std::string_view name;
  double ClusterStart::*member;
  double low, high;
  int required_bit;
};
constexpr double kMoney = 1e14, kCount = 1e8;
const std::array<StartField, 14> kFields = {{
    {"output", &ClusterStart::output, 0, kMoney, 1},
    {"output_low", &ClusterStart::output_low, 0, kMoney, 0},
    {"output_high", &ClusterStart::output_high, 0, kMoney, 0},
    {"firms", &ClusterStart::firms, 0, kCount, 2},
    {"demand_growth", &ClusterStart::demand_growth, -0.99, 10, 4},
    {"backbone_firms", &ClusterStart::backbone_firms, 0, kCount, 0},
    {"startup_firms", &ClusterStart::startup_firms, 0, kCount, 8},
    {"researchers", &ClusterStart::researchers, 0, kCount, 16},
    {"incubators", &ClusterStart::incubators, 0, kCount, 32},
    {"incubator_capacity", &ClusterStart::incubator_capacity, 0, kCount, 64},
    {"platforms", &ClusterStart::platforms, 0, kCount, 128},
    {"platform_capital", &ClusterStart::platform_capital, 0, kMoney, 256},
    {"patents_granted", &ClusterStart::patents_granted, 0, kCount, 0},
    {"rd_intensity", &ClusterStart::rd_intensity, 0, 1, 0},
}};
constexpr int kAllRequired = 511;

std::string field_names() {
  std::string out;
  for (const auto& f : kFields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

std::string required_field_names() {
  std::string out;
  for (const auto& f : kFields) {
    if (f.required_bit != 0) out += (out.empty() ? "" : ", ") + std::string(f.name);
  }
  return out;
}

void check_demand_stays_positive(const sim::Scenario& sc, const std::vector<ClusterStart>& starts) {
  for (std::size_t c = 0; c < starts.size(); ++c) {
    for (int q = sc.calendar().first_quarter; q <= sc.calendar().last_quarter; ++q) {
      const double growth = demand_at(sc, starts[c], q, c).growth;
      if (growth <= -1.0) {
        sc.fail("market.demand_growth_adjust",
                fmt::format("demand growth of cluster '{}' in {} would be {:g}/year; it must "
                            "stay above -1 (demand cannot fall below zero)",
                            sc.clusters()[c].id, sim::quarter_label(q), growth));
      }
    }
  }
}

void check_firms_fit_in_memory(const sim::Scenario& sc, const std::vector<ClusterStart>& starts) {
  const FirmParams firm = FirmParams::from(sc);
  const PlatformParams platform = PlatformParams::from(sc);
  double total_firms = 0.0, platforms = 0.0;
  for (const auto& start : starts) {
    total_firms += start.firms;
    platforms += start.platforms;
  }
  // Each replicate running at once holds its firms; entry can grow them, so allow threefold.
  const double concurrent = std::min<double>(sc.replicates(), std::thread::hardware_concurrency());
  // Entry and spin-offs of firms multiply firms by at most (1 + rates) a quarter (exits only
  // lower that); founders (at most the programme's recruits) and platform spin-offs add to it.
  // The levers count as written, supported or not: a sweep may switch support on.
  const int steps = sc.calendar().steps();
  const double growth = std::pow(1.0 + firm.entry_rate + firm.spinoff_rate, steps);
  // Platforms beyond a million are refused by the platform settings' own check.
  constexpr double kMaxNewPlatforms = 1e6;
  double recruits = 0.0, new_platforms = 0.0;
  for (std::size_t c = 0; c < starts.size(); ++c) {
    for (int q = sc.calendar().first_quarter; q <= sc.calendar().last_quarter; ++q) {
      const Levers levers = levers_written(sc, q, c);
      recruits += levers.talent_recruits / 4.0;
      new_platforms += levers.platform_investment / 4.0 / platform.new_platform_size;
    }
  }
  const double added = recruits + (platforms + std::min(new_platforms, kMaxNewPlatforms)) *
                                      platform.spinoff_rate * steps;
  sim::check_fits_in_memory(
      sc,
      {"world.initial_firms", "firm.entry.rate", "firm.spinoff_rate",
       "policy.talent_programme.recruits_per_year", "policy.platforms.investment_per_year",
       "run.replicates"},
      (std::max(3.0, growth) * total_firms + added) * static_cast<double>(bytes_per_firm()) *
          std::max(1.0, concurrent),
      fmt::format("up to {:.3g} founders and spin-offs plus {:.3g} starting firms", added,
                  total_firms));
}

}  // namespace

std::vector<ClusterStart> read_cluster_starts(const sim::Scenario& sc) {
  const std::string& file = sc.path("world.initial_state_file");
  const sim::CsvTable table = [&] {
    try {
      return sim::read_csv(file);
    } catch (const sim::InputError& e) {
      if (e.where().line > 0) throw;
      sc.fail("world.initial_state_file", fmt::format("cannot use '{}': {}", file, e.detail()));
    }
  }();
  const std::size_t id_col = table.column("cluster_id");
  const std::size_t field_col = table.column("field");
  const std::size_t value_col = table.column("value");
  table.column("source");
  table.column("confidence");
  const auto& clusters = sc.clusters();
  std::vector<ClusterStart> starts(clusters.size());
  std::vector<int> seen(clusters.size(), 0);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const auto index = clusters.index_of(row[id_col]);
    if (!index) {
      throw sim::InputError({file, table.row_lines[r], 1}, "cluster_id",
                            fmt::format("cluster '{}' is not in the catalogue", row[id_col]));
    }
    const double value = table.number(r, value_col);
    const std::string& field = row[field_col];
    const auto* const known = std::find_if(kFields.begin(), kFields.end(),
                                           [&](const StartField& f) { return f.name == field; });
    if (known == kFields.end()) {
      throw sim::InputError(
          {file, table.row_lines[r], static_cast<int>(field_col) + 1}, "field",
          fmt::format("unknown field '{}'; the fields are {}", field, field_names()));
    }
    if (value < known->low || value > known->high) {
      throw sim::InputError({file, table.row_lines[r], static_cast<int>(value_col) + 1}, field,
                            fmt::format("{:g} is outside the allowed range [{:g}, {:g}]", value,
                                        known->low, known->high));
    }
    starts[*index].*(known->member) = value;
    seen[*index] |= known->required_bit;
  }
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    if (seen[c] != kAllRequired) {
      throw sim::InputError({file, 0, 0}, "",
                            fmt::format("cluster '{}' lacks one of the required fields {}",
                                        clusters[c].id, required_field_names()));
    }
    const int q = sc.calendar().first_quarter;
    if (const double o = sc.number("world.initial_output", q, c); o > 0) starts[c].output = o;
    if (const double f = sc.number("world.initial_firms", q, c); f > 0) starts[c].firms = f;
    if (const double r = sc.number("world.initial_researchers", q, c); r > 0) {
      starts[c].researchers = r;
    }
    if (starts[c].output > 0 && starts[c].firms < 1) {
      sc.fail_written(
          {"world.initial_output", "world.initial_firms", "world.initial_state_file"},
          fmt::format("cluster '{}' starts with output {:g} yuan/year but no firms; set "
                      "world.initial_firms for it",
                      clusters[c].id, starts[c].output));
    }
  }
  return starts;
}

Demand demand_at(const sim::Scenario& sc, const ClusterStart& start, int q, std::size_t c) {
  return {start.demand_growth + sc.number("market.demand_growth_adjust", q, c),
          sc.number("market.demand_volatility", q, c)};
}

std::vector<sim::MemoryItem> firm_memory_items() {
  std::vector<sim::MemoryItem> items;
  for (const auto& [name, bytes] : FirmTable().agents.column_bytes()) {
    items.push_back({name, bytes, false});
  }
  const ProductivityRanking ranking;
  // The radix sort's own records are a scratch per thread, the size of one cluster: not here.
  items.push_back(
      {"ranking: firm at each rank", sizeof(decltype(ranking.ranked)::value_type), true});
  items.push_back({"ranking: rank of each firm", sizeof(decltype(ranking.rank)::value_type), true});
  // sim::AgentTable::compact: at most one run of survivors (16 bytes) per two firms.
  items.push_back({"compaction: runs of survivors", sizeof(std::size_t), true});
  // FundMarket::quarter lists the firms whose signal clears the hurdle, per block and then by
  // cluster: counted as if every firm did.
  items.push_back(
      {"funds: candidates (at most one per firm, listed twice)", 2 * sizeof(FundCandidate), true});
  return items;
}

std::size_t bytes_per_firm() {
  std::size_t bytes = 0;
  for (const sim::MemoryItem& item : firm_memory_items()) bytes += item.bytes;
  return bytes;
}

double clearing_price(double demand_shifter, double real_output, double elasticity) {
  if (real_output <= 0.0) return 0.0;
  return std::pow(demand_shifter / real_output, 1.0 / elasticity);
}

double next_demand_shifter(double demand_shifter, double annual_growth, double volatility,
                           double standard_normal) {
  // The shock is mean-one in levels: E[exp(s z - s^2/2)] = 1.
  return demand_shifter * std::pow(1.0 + annual_growth, 0.25) *
         std::exp(volatility * standard_normal - 0.5 * volatility * volatility);
}

void add_cluster_settings(sim::Schema& s) {
  s.add(sim::path("world.initial_state_file", "data/initial-state-2014.csv",
                  "Starting state of every cluster (CSV: cluster_id, field, value, unit, year, "
                  "source, confidence, ...), relative to the scenario file that sets it."));
  sim::Setting output = sim::number("world.initial_output", "yuan/year", 0, 1e14, "0",
                                    "Overrides a cluster's starting output (0 = the data file's).");
  output.by_cluster = true;
  s.add(output);
  sim::Setting firms = sim::number("world.initial_firms", "firms", 0, 1e8, "0",
                                   "Overrides a cluster's starting number of firms (0 = data).");
  firms.by_cluster = true;
  s.add(firms);
  sim::Setting researchers =
      sim::number("world.initial_researchers", "persons", 0, 1e9, "0",
                  "Overrides a cluster's starting number of researchers (0 = data).");
  researchers.by_cluster = true;
  s.add(researchers);
  s.add(sim::integer("world.warm_up_quarters", "quarters", 0, 80, "0",
                     "Quarters of the model's own dynamics run before the first quarter, under its "
                     "settings, after which each cluster is brought back to its data (the warm "
                     "start; models/README.md)."));
  sim::Setting elasticity =
      sim::number("market.demand_elasticity", "1", 1.01, 20, "2.0",
                  "Price elasticity of demand for a cluster's products (eta > 1: the cluster "
                  "competes with producers elsewhere; assumption).");
  elasticity.by_cluster = true;
  s.add(elasticity);
  s.add(sim::lever("market.demand_growth_adjust", "1/year", -1, 5, "0",
                   "Added to the data file's sector demand growth (e.g. a what-if slump)."));
  s.add(sim::lever("market.demand_volatility", "1", 0, 1, "0.03",
                   "Standard deviation of quarterly log shocks to a cluster's demand "
                   "(assumption)."));
  s.add_check([](const sim::Scenario& sc) {
    const auto starts = read_cluster_starts(sc);
    check_demand_stays_positive(sc, starts);
    check_firms_fit_in_memory(sc, starts);
  });
}

}  // namespace models
