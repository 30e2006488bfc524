// Clusters: their starting state (scenarios/data), the demand each faces and its market price.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/run/model.hpp"

namespace models {

// A cluster's starting state, from the initial-state data file and its overrides.
struct ClusterStart {
  double output = 0.0;                         // yuan/year in the base year
  double output_low = 0.0, output_high = 0.0;  // plausible range (reference)
  double firms = 0.0;                          // number of firms
  double demand_growth = 0.0;                  // nominal growth of sector demand, 1/year
  double backbone_firms = 0.0;
  double startup_firms = 0.0;       // firms younger than about three years
  double researchers = 0.0;         // R&D personnel, full-time equivalent
  double incubators = 0.0;          // technology business incubators
  double incubator_capacity = 0.0;  // their tenant slots
  double platforms = 0.0;           // provincial-or-higher R&D platforms
  double platform_capital = 0.0;    // yuan invested in them
  double patents_granted = 0.0;     // invention patents per year (reference, not an input)
  double rd_intensity = 0.0;        // R&D over output; calibrates R&D budgets when > 0
};

// Reads the initial-state file named by world.initial_state_file (long CSV: cluster_id, field,
// value, ...) and applies world.initial_output / world.initial_firms overrides.
std::vector<ClusterStart> read_cluster_starts(const sim::Scenario& scenario);

// The demand a cluster faces in a quarter: annual growth (the data's sector growth plus the lever
// market.demand_growth_adjust) and the volatility of its shocks (market.demand_volatility).
struct Demand {
  double growth;
  double volatility;
};
Demand demand_at(const sim::Scenario& scenario, const ClusterStart& start, int quarter,
                 std::size_t cluster);

// The demand side of a cluster's market: nominal demand B grows at the sector's rate with
// log-normal shocks; the price clears real output Q on a demand curve of constant elasticity,
// P = (B / Q)^(1/eta), so the cluster's sales P Q rise with its real output when eta > 1.
double clearing_price(double demand_shifter, double real_output, double elasticity);
double next_demand_shifter(double demand_shifter, double annual_growth, double volatility,
                           double standard_normal);

// Memory a firm takes in a running replicate: its row of models::FirmTable (every column and
// the id) plus what the replicate holds per firm outside the table: the per-step productivity
// ranking, the compaction's index of survivors and the funds' candidate lists.
std::size_t bytes_per_firm();
// The pieces of bytes_per_firm(): the firm table's id and columns, then the per-firm scratch.
std::vector<sim::MemoryItem> firm_memory_items();

void add_cluster_settings(sim::Schema& schema);

}  // namespace models
