#include "models/incubator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "models/policy.hpp"

namespace models {

IncubatorTable::IncubatorTable() {
  agents.add_column(cluster, "cluster");
  agents.add_column(host, "host");
  agents.add_column(capacity, "capacity");
  agents.add_column(tenants, "tenants");
  agents.add_column(funded, "funded");
  agents.add_column(open, "open");
}

IncubatorParams IncubatorParams::from(const sim::Scenario& sc) {
  IncubatorParams p{};
  p.period_quarters = static_cast<int>(sc.integer("incubator.period_quarters"));
  p.size = sc.number("incubator.size");
  p.hazard_reduction = sc.number("incubator.hazard_reduction");
  p.innovation_boost = sc.number("incubator.innovation_boost");
  p.host_imitation_prob = sc.number("incubator.host_imitation_probability");
  p.procurement_premium = sc.number("incubator.procurement_premium");
  return p;
}

std::vector<std::uint64_t> adjust_funded_capacity(IncubatorTable& t, std::uint16_t c, double target,
                                                  double backbone_share, HostCandidates& hosts,
                                                  double size) {
  double funded = 0, backbone_run = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.cluster[i] != c || t.funded[i] == 0 || t.open[i] == 0) continue;
    funded += t.capacity[i];
    if (t.host[i] != 0) backbone_run += t.capacity[i];
  }
  std::vector<std::uint64_t> closed;
  while (funded > target + 1e-9) {
    std::size_t newest = t.size();
    for (std::size_t i = t.size(); i-- > 0;) {
      if (t.cluster[i] == c && t.funded[i] != 0 && t.open[i] != 0) {
        newest = i;
        break;
      }
    }
    if (newest == t.size()) break;
    t.open[newest] = 0;
    funded -= t.capacity[newest];
    if (t.host[newest] != 0) backbone_run -= t.capacity[newest];
    closed.push_back(t.agents.id[newest]);
  }
  while (target - funded > 1e-9) {
    const double slots = std::min(size, target - funded);
    const std::size_t i = t.agents.append(1);
    t.cluster[i] = c;
    t.capacity[i] = slots;
    t.tenants[i] = 0;
    t.funded[i] = 1;
    t.open[i] = 1;
    t.host[i] = 0;
    const bool wants_backbone = backbone_run + slots <= backbone_share * (funded + slots) + 1e-9;
    if (wants_backbone && hosts.next < hosts.ids.size()) {
      t.host[i] = hosts.ids[hosts.next++] + 1;
      backbone_run += slots;
    }
    funded += slots;
  }
  return closed;
}

void add_incubator_settings(sim::Schema& s) {
  using sim::integer;
  using sim::number;
  s.add(integer("incubator.period_quarters", "quarters", 1, 40, "12",
                "Incubation period after which a tenant graduates (three years, the usual "
                "limit in Chinese incubator rules)."));
  s.add(number("incubator.size", "slots", 1, 1e5, "50",
               "Tenant slots of a newly funded incubator (about the national average of 56 "
               "tenants per incubator, 2012)."));
  s.add(number("incubator.hazard_reduction", "1", 0, 1, "0.5",
               "Reduction of a tenant's failure hazard (assumption; studies of incubators find "
               "higher survival of tenants, with large spread)."));
  s.add(number("incubator.innovation_boost", "1", 0, 5, "0.3",
               "Increase of a tenant's innovation effort through incubator services "
               "(assumption)."));
  s.add(number("incubator.host_imitation_probability", "1", 0, 1, "0.5",
               "Probability that a backbone-run incubator's tenant imitates its host rather than "
               "a random better firm (assumption)."));
  s.add_check([](const sim::Scenario& sc) {
    // Incubators are agents and intake scans a cluster's incubators: keep their number sane.
    // The levers count as written, supported or not: a sweep may switch support on.
    constexpr double kMaxIncubatorsPerCluster = 1e4;
    const double size = IncubatorParams::from(sc).size;
    for (std::size_t c = 0; c < sc.clusters().size(); ++c) {
      for (int q = sc.calendar().first_quarter; q <= sc.calendar().last_quarter; ++q) {
        const double capacity = levers_written(sc, q, c).incubator_capacity;
        const double count = capacity / size;
        if (count > kMaxIncubatorsPerCluster) {
          sc.fail_written({"policy.incubators.capacity", "incubator.size"},
                          fmt::format("{:g} funded slots in incubators of {:g} would make {:.3g} "
                                      "incubators in cluster '{}' ({}), more than {:g}; raise "
                                      "incubator.size",
                                      capacity, size, count, sc.clusters()[c].id,
                                      sim::quarter_label(q), kMaxIncubatorsPerCluster));
        }
      }
    }
  });
  s.add(number("incubator.procurement_premium", "1", 0, 1, "0.05",
               "Extra revenue of a backbone-run incubator's tenant from the host's procurement, "
               "as a share of its sales, paid by the host (assumption)."));
}

}  // namespace models
