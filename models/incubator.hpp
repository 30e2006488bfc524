// Incubators: public ones and ones run by backbone firms. Each has a cluster, a host (a
// backbone firm's id, or 0 for public), a capacity in tenant slots and its tenants. Startups
// enter as tenants while there is room, stay for the incubation period and graduate. Tenants
// fail less often and innovate more; tenants of a backbone-run incubator also imitate their
// host more easily and sell part of their output to it (models/README.md, "Incubators").
#pragma once

#include <cstdint>
#include <vector>

#include "sim/core/agents.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"

namespace models {

struct IncubatorTable {
  IncubatorTable();
  sim::AgentTable agents;
  std::vector<std::uint16_t> cluster;
  std::vector<std::uint64_t> host;  // id of the host firm + 1; 0 = public
  std::vector<double> capacity;     // tenant slots
  std::vector<double> tenants;
  std::vector<std::uint8_t> funded;  // opened by the provincial lever (subsidised)
  std::vector<std::uint8_t> open;
  std::size_t size() const { return agents.size(); }
};

struct IncubatorParams {
  int period_quarters;         // incubation period
  double size;                 // slots of a newly funded incubator
  double hazard_reduction;     // tenants' failure hazard multiplied by (1 - this)
  double innovation_boost;     // tenants' innovation effort multiplied by (1 + this)
  double host_imitation_prob;  // a backbone-run tenant's imitation target is its host
  double procurement_premium;  // host pays this share on top of the tenant's sales

  static IncubatorParams from(const sim::Scenario& scenario);
};

// Free slots of an incubator.
inline double free_slots(const IncubatorTable& t, std::size_t i) {
  return t.open[i] != 0 ? std::max(0.0, t.capacity[i] - t.tenants[i]) : 0.0;
}

// Brings a cluster's funded capacity to `target` slots: opens incubators of `size` slots (the
// last one smaller), making each backbone-run while the backbone-run share of funded slots is
// below `backbone_share` and a host is available (hosts are handed out in order), else public;
// closes funded incubators newest first when the target falls. Returns the ids of incubators
// closed, whose tenants must leave.
struct HostCandidates {
  std::vector<std::uint64_t> ids;  // backbone firms of the cluster without an incubator
  std::size_t next = 0;
};
std::vector<std::uint64_t> adjust_funded_capacity(IncubatorTable& t, std::uint16_t cluster,
                                                  double target, double backbone_share,
                                                  HostCandidates& hosts, double size);

void add_incubator_settings(sim::Schema& schema);

}  // namespace models
