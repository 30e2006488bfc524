#include "models/platform.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "models/policy.hpp"

namespace models {

PlatformTable::PlatformTable() {
  agents.add_column(cluster, "cluster");
  agents.add_column(kind, "kind");
  agents.add_column(capital, "capital");
}

PlatformParams PlatformParams::from(const sim::Scenario& sc) {
  PlatformParams p{};
  p.depreciation = sc.number("platform.depreciation");
  p.new_platform_size = sc.number("platform.new_platform_size");
  p.kind_share = {sc.number("platform.share.key_lab"),
                  sc.number("platform.share.engineering_centre"),
                  sc.number("platform.share.shared_instruments")};
  p.half_intensity = sc.number("platform.half_intensity");
  p.labour_effect = sc.number("platform.labour_effect");
  p.shared_effect = sc.number("platform.shared_effect");
  p.frontier_growth = sc.number("platform.frontier_growth");
  p.frontier_effect = sc.number("platform.frontier_effect");
  p.opportunity_effect = sc.number("platform.opportunity_effect");
  p.spinoff_rate = sc.number("platform.spinoff_rate");
  return p;
}

double platform_effect(double capital, double annual_output, double half_intensity, double full) {
  if (capital <= 0 || annual_output <= 0) return 0.0;
  const double x = capital / annual_output;
  return full * x / (x + half_intensity);
}

PlatformEffects platform_effects(const std::array<double, kPlatformKinds>& capital_by_kind,
                                 double annual_output, const PlatformParams& p) {
  const auto& k = capital_by_kind;
  const double output = annual_output;
  PlatformEffects e;
  const auto at = [&](PlatformKind kind) { return k[static_cast<std::size_t>(kind)]; };
  e.labour = platform_effect(at(PlatformKind::EngineeringCentre), output, p.half_intensity,
                             p.labour_effect);
  e.shared = platform_effect(at(PlatformKind::SharedInstruments), output, p.half_intensity,
                             p.shared_effect);
  e.frontier_growth = p.frontier_growth + platform_effect(at(PlatformKind::KeyLab), output,
                                                          p.half_intensity, p.frontier_effect);
  e.opportunity =
      platform_effect(at(PlatformKind::KeyLab), output, p.half_intensity, p.opportunity_effect);
  return e;
}

void invest_in_platforms(PlatformTable& platforms, std::uint16_t cluster, double investment,
                         const PlatformParams& p) {
  PlatformTable& t = platforms;
  const std::uint16_t c = cluster;
  if (investment <= 0) return;
  for (std::size_t kind = 0; kind < kPlatformKinds; ++kind) {
    double amount = investment * p.kind_share[kind];
    // The newest platform of this kind in the cluster; later ones are the ones opened here.
    std::size_t newest = t.size();
    for (std::size_t i = t.size(); i-- > 0;) {
      if (t.cluster[i] == c && t.kind[i] == kind) {
        newest = i;
        break;
      }
    }
    while (amount > 0) {
      if (newest == t.size() || t.capital[newest] >= p.new_platform_size) {
        newest = t.agents.append(1);
        t.cluster[newest] = c;
        t.kind[newest] = static_cast<std::uint8_t>(kind);
        t.capital[newest] = 0.0;
      }
      const double added = std::min(amount, p.new_platform_size - t.capital[newest]);
      t.capital[newest] += added;
      amount -= added;
    }
  }
}

void add_platform_settings(sim::Schema& s) {
  using sim::number;
  s.add(number("platform.depreciation", "1/quarter", 0, 1, "0.025",
               "Depreciation of platform capital (about 10%/year, equipment-heavy; "
               "assumption)."));
  s.add(number("platform.new_platform_size", "yuan", 1e5, 1e11, "5e7",
               "Capital of one platform: investment fills the newest platform of a kind up to "
               "this before opening another (assumption)."));
  s.add(number("platform.share.key_lab", "1", 0, 1, "0.3",
               "Share of new platform investment going to key laboratories (assumption)."));
  s.add(number("platform.share.engineering_centre", "1", 0, 1, "0.5",
               "Share going to engineering (technology) centres (assumption)."));
  s.add(number("platform.share.shared_instruments", "1", 0, 1, "0.2",
               "Share going to shared large instruments (assumption)."));
  s.add(number("platform.half_intensity", "1", 1e-6, 1, "0.01",
               "Platform capital per yuan of annual cluster output at which a platform effect "
               "is half its full size (assumption)."));
  s.add(number("platform.labour_effect", "1", 0, 5, "0.3",
               "Full effect of engineering centres on every firm's effective R&D labour "
               "(assumption)."));
  s.add(number("platform.shared_effect", "1", 0, 5, "0.3",
               "Full effect of shared instruments on SMEs' and startups' effective R&D labour "
               "(assumption)."));
  s.add(number("platform.frontier_growth", "1/quarter", 0, 0.1, "0.0025",
               "Base growth of a cluster's technology frontier, log points per quarter (1%/year; "
               "Nelson and Winter use 1%/quarter for a faster industry)."));
  s.add(number("platform.frontier_effect", "1/quarter", 0, 0.1, "0.0025",
               "Extra frontier growth at the full key-lab effect: the public-lab channel "
               "(Dosi et al. 2023; size an assumption)."));
  s.add(number("platform.opportunity_effect", "1", 0, 0.05, "0.005",
               "Shift of every innovation step at the full key-lab effect, log points: the labs "
               "raise technological opportunity (as in Dosi, Fagiolo and Roventini 2010's "
               "opportunity experiments; size an assumption)."));
  s.add(number("platform.spinoff_rate", "1/quarter", 0, 1, "0.01",
               "Startups spun off per platform per quarter (assumption)."));
  s.add_check([](const sim::Scenario& sc) {
    // Platforms are agents: an investment far above the size of one would open more of them
    // than a run can hold.
    // The levers count as written, supported or not: a sweep may switch support on.
    constexpr double kMaxNewPlatforms = 1e6;
    const double size = PlatformParams::from(sc).new_platform_size;
    double opened = 0.0;
    for (std::size_t c = 0; c < sc.clusters().size(); ++c) {
      for (int q = sc.calendar().first_quarter; q <= sc.calendar().last_quarter; ++q) {
        opened += levers_written(sc, q, c).platform_investment / 4.0 / size;
      }
    }
    if (opened > kMaxNewPlatforms) {
      sc.fail_written({"policy.platforms.investment_per_year", "platform.new_platform_size"},
                      fmt::format("the run would open about {:.3g} platforms (investment over "
                                  "platform.new_platform_size), more than {:g}; raise the size "
                                  "or lower the investment",
                                  opened, kMaxNewPlatforms));
    }
  });
  s.add_check([](const sim::Scenario& sc) {
    const auto& share = PlatformParams::from(sc).kind_share;
    const double total = share[0] + share[1] + share[2];
    if (std::abs(total - 1.0) > 1e-9) {
      sc.fail_written({"platform.share.key_lab", "platform.share.engineering_centre",
                       "platform.share.shared_instruments"},
                      "the three platform.share.* settings must sum to 1");
    }
  });
}

}  // namespace models
