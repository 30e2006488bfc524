// Incubators: public ones and ones run by backbone firms. Each has a cluster, a host (a
// backbone firm's id, or 0 for public), a capacity in tenant slots and its tenants. Startups
// enter as tenants while there is room, stay for the incubation period and graduate. Tenants
// fail less often and innovate more; tenants of a backbone-run incubator also imitate their
// host more easily and sell part of their output to it (models/README.md, "Incubators"). The
// quarter's incubator phases (procurement, graduation, funded capacity, intake) are
// IncubatorMarket's; the effects on tenants' innovation and exit stay with those firm rules.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/firm.hpp"
#include "models/policy.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/agents.hpp"
#include "sim/core/parallel.hpp"

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

// The incubators of all clusters, for one replicate: it owns the incubators and keeps their
// tenancies in step with the firms' incubator columns.
class IncubatorMarket {
 public:
  IncubatorMarket(std::size_t clusters, const IncubatorParams& params);

  // The data's public incubators of a cluster at the start, sharing its capacity equally.
  void open_starting(std::uint16_t cluster, std::size_t count, double capacity);
  // Starting startups fill the starting incubators in firm order.
  void admit_starting_startups(FirmTable& firms);
  // Hosts of backbone-run incubators buy from their tenants at a premium: a transfer from the
  // host's cash to the tenant's.
  void pay_procurement(FirmTable& firms);
  // The incubator phase: hosts that left make their incubators public, tenants graduate,
  // funded capacity follows each cluster's levers and young firms take free slots. Reports the
  // graduates and the funded open slots of each cluster.
  void quarter(std::span<const Levers> levers, FirmTable& firms, int startup_age_quarters,
               std::vector<double>& graduates, std::vector<double>& funded_slots);
  // A failed firm leaves its incubator (call before the firm is removed).
  void remove_tenant(const FirmTable& firms, std::size_t i);
  // Firm index of the host of firm i's incubator; firms.size() when i is not a tenant of a
  // backbone-run incubator or its host has left.
  std::size_t host_of(const FirmTable& firms, std::size_t i) const;

  const IncubatorTable& table() const { return table_; }

 private:
  void make_public_where_the_host_left(const FirmTable& firms);
  void graduate(FirmTable& firms, std::vector<double>& graduates);
  // Backbone firms without an open incubator of their own, by cluster, as firm indices.
  std::vector<std::vector<std::size_t>> host_candidates(const FirmTable& firms);
  // Opens or closes the cluster's funded incubators; tenants of closed ones leave.
  void follow_funded_capacity(std::uint16_t c, const Levers& levers,
                              std::vector<std::size_t>& backbone, FirmTable& firms);
  double funded_open_slots(std::size_t c) const;
  void admit_tenants(FirmTable& firms, int startup_age_quarters);

  std::size_t clusters_;
  IncubatorParams p_;
  IncubatorTable table_;
  sim::IndexFilter filter_;  // scratch of the scans over firms
};

void add_incubator_settings(sim::Schema& schema);

}  // namespace models
