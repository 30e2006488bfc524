// R&D platforms: key laboratories, engineering (technology) centres and shared large
// instruments. Each is an agent with a cluster, a kind and capital; public investment builds
// them, capital depreciates, and a cluster's platform capital relative to its output raises the
// effective R&D labour of its firms and the growth of its technology frontier
// (models/README.md, "Platforms").
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/agents.hpp"

namespace models {

enum class PlatformKind : std::uint8_t { KeyLab = 0, EngineeringCentre = 1, SharedInstruments = 2 };
inline constexpr std::size_t kPlatformKinds = 3;

struct PlatformTable {
  PlatformTable();
  sim::AgentTable agents;
  std::vector<std::uint16_t> cluster;
  std::vector<std::uint8_t> kind;  // PlatformKind
  std::vector<double> capital;     // yuan
  std::size_t size() const { return agents.size(); }
};

struct PlatformParams {
  double depreciation;       // 1/quarter
  double new_platform_size;  // yuan: investment fills the newest platform up to this
  std::array<double, kPlatformKinds> kind_share;  // of new investment
  double half_intensity;      // platform capital / annual output at half the full effect
  double labour_effect;       // full effect of engineering centres on effective R&D labour
  double shared_effect;       // full effect of shared instruments for SMEs and startups
  double frontier_growth;     // base frontier growth, log points per quarter
  double frontier_effect;     // extra frontier growth at full key-lab effect
  double opportunity_effect;  // innovation-step shift at full key-lab effect, log points
  double spinoff_rate;        // startups per platform per quarter

  static PlatformParams from(const sim::Scenario& scenario);
};

// Saturating effect of platform capital: full * x / (x + half), x = capital / annual output.
double platform_effect(double capital, double annual_output, double half_intensity, double full);

// What a cluster's platforms do this quarter.
struct PlatformEffects {
  double labour = 0.0;           // added to every firm's effective R&D labour (share)
  double shared = 0.0;           // added for SMEs and startups (share)
  double frontier_growth = 0.0;  // log points per quarter
  double opportunity = 0.0;      // added to every innovation step, log points
};
PlatformEffects platform_effects(const std::array<double, kPlatformKinds>& capital_by_kind,
                                 double annual_output, const PlatformParams& p);

// Adds a quarter's public investment to a cluster's platforms: split by kind, each kind's
// share goes to its newest platform until it reaches new_platform_size, then opens another.
void invest_in_platforms(PlatformTable& platforms, std::uint16_t cluster, double investment,
                         const PlatformParams& p);

void add_platform_settings(sim::Schema& schema);

}  // namespace models
