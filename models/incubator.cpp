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

IncubatorMarket::IncubatorMarket(std::size_t clusters, const IncubatorParams& params)
    : clusters_(clusters), p_(params) {}

void IncubatorMarket::open_starting(std::uint16_t cluster, std::size_t count, double capacity) {
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t i = table_.agents.append(1);
    table_.cluster[i] = cluster;
    table_.capacity[i] = capacity / static_cast<double>(count);
    table_.open[i] = 1;
  }
}

void IncubatorMarket::admit_starting_startups(FirmTable& firms) {
  for (std::size_t i = 0; i < firms.size(); ++i) {
    if (static_cast<FirmType>(firms.type[i]) != FirmType::Startup) continue;
    for (std::size_t j = 0; j < table_.size(); ++j) {
      if (table_.cluster[j] != firms.cluster[i] || free_slots(table_, j) < 1) continue;
      table_.tenants[j] += 1;
      firms.incubator[i] = static_cast<std::uint32_t>(table_.agents.id[j] + 1);
      firms.tenant_quarters[i] = firms.age[i];
      firms.incubated[i] = 1;
      break;
    }
  }
}

void IncubatorMarket::pay_procurement(FirmTable& firms) {
  const double premium = p_.procurement_premium;
  if (premium <= 0) return;
  for (std::size_t i :
       filter_.find(firms.size(), [&](std::size_t i) { return firms.incubator[i] != 0; })) {
    const std::size_t h = host_of(firms, i);
    if (h == firms.size()) continue;
    const double amount = premium * firms.sales[i];
    firms.cash[i] += amount;
    firms.cash[h] -= amount;
  }
}

void IncubatorMarket::quarter(std::span<const Levers> levers, FirmTable& firms,
                              int startup_age_quarters, std::vector<double>& graduates,
                              std::vector<double>& funded_slots) {
  make_public_where_the_host_left(firms);
  graduate(firms, graduates);
  std::vector<std::vector<std::size_t>> candidates = host_candidates(firms);
  for (std::size_t c = 0; c < clusters_; ++c) {
    follow_funded_capacity(static_cast<std::uint16_t>(c), levers[c], candidates[c], firms);
    funded_slots[c] = funded_open_slots(c);
  }
  admit_tenants(firms, startup_age_quarters);
}

void IncubatorMarket::remove_tenant(const FirmTable& firms, std::size_t i) {
  if (firms.incubator[i] != 0) table_.tenants[firms.incubator[i] - 1] -= 1;
}

std::size_t IncubatorMarket::host_of(const FirmTable& firms, std::size_t i) const {
  const std::uint32_t incubator = firms.incubator[i];
  if (incubator == 0 || table_.host[incubator - 1] == 0) return firms.size();
  return firms.index_of(table_.host[incubator - 1] - 1);
}

void IncubatorMarket::make_public_where_the_host_left(const FirmTable& firms) {
  for (std::size_t j = 0; j < table_.size(); ++j) {
    if (table_.host[j] != 0 && firms.index_of(table_.host[j] - 1) == firms.size()) {
      table_.host[j] = 0;
    }
  }
}

void IncubatorMarket::graduate(FirmTable& firms, std::vector<double>& graduates) {
  std::fill(graduates.begin(), graduates.end(), 0.0);
  for (std::size_t i : filter_.find(firms.size(), [&](std::size_t i) {
         return firms.incubator[i] != 0 && firms.tenant_quarters[i] >= p_.period_quarters;
       })) {
    table_.tenants[firms.incubator[i] - 1] -= 1;
    firms.incubator[i] = 0;
    graduates[firms.cluster[i]] += 1;
  }
}

std::vector<std::vector<std::size_t>> IncubatorMarket::host_candidates(const FirmTable& firms) {
  // One pass over firms groups them by cluster.
  std::vector<std::uint64_t> hosting;  // host handles of open incubators, sorted
  for (std::size_t j = 0; j < table_.size(); ++j) {
    if (table_.open[j] != 0 && table_.host[j] != 0) hosting.push_back(table_.host[j]);
  }
  std::sort(hosting.begin(), hosting.end());
  std::vector<std::vector<std::size_t>> candidates(clusters_);
  for (std::size_t i : filter_.find(firms.size(), [&](std::size_t i) {
         return static_cast<FirmType>(firms.type[i]) == FirmType::Backbone &&
                !std::binary_search(hosting.begin(), hosting.end(), firms.agents.id[i] + 1);
       })) {
    candidates[firms.cluster[i]].push_back(i);
  }
  return candidates;
}

void IncubatorMarket::follow_funded_capacity(std::uint16_t c, const Levers& levers,
                                             std::vector<std::size_t>& backbone, FirmTable& firms) {
  // Hosts are handed out by size, largest first.
  HostCandidates hosts;
  std::sort(backbone.begin(), backbone.end(), [&](std::size_t x, std::size_t y) {
    return firms.sales[x] > firms.sales[y] ||
           (firms.sales[x] == firms.sales[y] && firms.agents.id[x] < firms.agents.id[y]);
  });
  for (std::size_t i : backbone) hosts.ids.push_back(firms.agents.id[i]);
  const auto closed = adjust_funded_capacity(table_, c, levers.incubator_capacity,
                                             levers.incubator_backbone_share, hosts, p_.size);
  for (std::uint64_t id : closed) {
    for (std::size_t i = 0; i < firms.size(); ++i) {
      if (firms.incubator[i] == id + 1) firms.incubator[i] = 0;
    }
    table_.tenants[id] = 0;
  }
}

double IncubatorMarket::funded_open_slots(std::size_t c) const {
  double funded = 0.0;
  for (std::size_t j = 0; j < table_.size(); ++j) {
    if (table_.cluster[j] == c && table_.funded[j] != 0 && table_.open[j] != 0) {
      funded += table_.capacity[j];
    }
  }
  return funded;
}

void IncubatorMarket::admit_tenants(FirmTable& firms, int startup_age_quarters) {
  // Young firms never incubated take the first incubator of their cluster with a free slot, in
  // firm order. Slots only fill here, so a cursor per cluster that skips full incubators finds
  // the same one as a scan from the start, without rescanning for every firm.
  std::vector<std::vector<std::size_t>> by_cluster(clusters_);
  for (std::size_t j = 0; j < table_.size(); ++j) by_cluster[table_.cluster[j]].push_back(j);
  std::vector<std::size_t> cursor(clusters_, 0);
  for (std::size_t i : filter_.find(firms.size(), [&](std::size_t i) {
         return firms.incubated[i] == 0 && firms.age[i] < startup_age_quarters;
       })) {
    const std::size_t c = firms.cluster[i];
    const std::vector<std::size_t>& mine = by_cluster[c];
    std::size_t& at = cursor[c];
    while (at < mine.size() && free_slots(table_, mine[at]) < 1) ++at;
    if (at == mine.size()) continue;
    const std::size_t j = mine[at];
    table_.tenants[j] += 1;
    firms.incubator[i] = static_cast<std::uint32_t>(table_.agents.id[j] + 1);
    firms.tenant_quarters[i] = 0;
    firms.incubated[i] = 1;
  }
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
