// The province's policy levers (the plan's levers 1-15, models/README.md) and the government's
// fiscal-cost ledger. National tax law lives in tax.hpp; this file holds what the plan adds.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"

namespace models {

// The provincial levers in force in one quarter for one cluster. Every lever that only the
// province pulls is zero in a cluster that policy.supported_clusters does not (yet) support.
struct Levers {
  bool supported = false;
  double post_subsidy_rate = 0.0;         // share of a breakthrough's R&D paid back
  double guide_fund_capital = 0.0;        // yuan/year committed by the guide fund
  double guide_fund_gov_share = 0.0;      // government share of each sub-fund's target
  double guide_fund_concession = 0.0;     // share of the government's profit ceded to LPs
  double angel_fund_capital = 0.0;        // yuan/year to the achievement-transformation fund
  double ip_pledge = 0.0;                 // credit per valid patent, yuan
  double risk_compensation = 0.0;         // share of SME/startup loan losses reimbursed
  double incubator_capacity = 0.0;        // provincially funded tenant slots
  double incubator_backbone_share = 0.0;  // share of funded slots run by backbone firms
  double talent_recruits = 0.0;           // programme recruits per year
  double platform_investment = 0.0;       // yuan/year into R&D platforms
  double collaboration = 0.0;             // share of R&D in co-funded joint projects
  double ip_protection = 0.0;             // enforcement index, 0-1
  double open_innovation = 0.0;           // intensity of technology import, 0-1
  double phase_out_share = 0.0;           // least productive share forced out each year
};

// Where a lever acts: the support switch everywhere; every other lever only where the province
// supports the cluster in that quarter (0 elsewhere).
enum class LeverReach { Everywhere, SupportedClusters };

// One provincial lever, declared once: its setting (key, unit, range, default as YAML text,
// description; every lever may vary by date and cluster) and the Levers field it fills. A number
// lever fills `number`; an on/off lever fills `flag` (true when the setting is not 0).
struct LeverRow {
  std::string_view key;
  std::string_view unit;
  double min, max;
  std::string_view default_yaml;
  std::string_view description;
  double Levers::*number = nullptr;
  bool Levers::*flag = nullptr;
  LeverReach reach = LeverReach::SupportedClusters;
};

// Every provincial lever, in the order of the plan's levers (models/README.md). The schema declares
// one setting per row (add_policy_settings) and levers_at fills one field per row.
inline constexpr std::array<LeverRow, 16> kLeverTable = {{
    {"policy.supported_clusters", "1", 0, 1, "0",
     "1 where (and from when) the province supports a cluster as a pilot; every provincial lever "
     "below acts only in supported clusters (lever 1).",
     nullptr, &Levers::supported, LeverReach::Everywhere},
    {"policy.post_subsidy.rate", "1", 0, 1, "0",
     "Post-subsidy for a key-technology breakthrough, as a share of the quarter's R&D that "
     "produced it, paid the next quarter (lever 5; 0 = off).",
     &Levers::post_subsidy_rate},
    {"policy.guide_fund.capital_per_year", "yuan/year", 0, 1e12, "0",
     "Guide-fund money committed each year to a new sub-fund of the cluster (lever 6; 0 = off).",
     &Levers::guide_fund_capital},
    {"policy.guide_fund.gov_share", "1", 0.01, 1, "0.3",
     "Government share of each sub-fund's target size; private money is asked for the rest "
     "(lever 6; Shandong 2010 fund: at most 35%).",
     &Levers::guide_fund_gov_share},
    {"policy.guide_fund.profit_concession", "1", 0, 1, "0",
     "Share of the government's profit on a sub-fund ceded to private partners (lever 6; "
     "0 = none).",
     &Levers::guide_fund_concession},
    {"policy.angel_fund.capital_per_year", "yuan/year", 0, 1e12, "0",
     "Achievement-transformation (angel) fund money committed each year for the cluster's "
     "startups (lever 7; 0 = off).",
     &Levers::angel_fund_capital},
    {"policy.finance.ip_pledge", "yuan/patent", 0, 1e9, "0",
     "Bank credit a firm can raise per valid invention patent pledged (lever 8; 0 = no IP-pledge "
     "lending).",
     &Levers::ip_pledge},
    {"policy.finance.risk_compensation", "1", 0, 1, "0",
     "Share of banks' losses on SME and startup loans reimbursed by the provincial "
     "risk-compensation pool (lever 8; 0 = none).",
     &Levers::risk_compensation},
    {"policy.incubators.capacity", "slots", 0, 1e6, "0",
     "Tenant slots in provincially funded incubators, on top of the starting stock (lever 9; "
     "0 = none funded).",
     &Levers::incubator_capacity},
    {"policy.incubators.backbone_run_share", "1", 0, 1, "0",
     "Share of the funded slots in incubators run by backbone firms (lever 9).",
     &Levers::incubator_backbone_share},
    {"policy.talent_programme.recruits_per_year", "persons/year", 0, 1e6, "0",
     "High-level researchers recruited by the provincial talent programme (lever 10; 0 = off).",
     &Levers::talent_recruits},
    {"policy.platforms.investment_per_year", "yuan/year", 0, 1e12, "0",
     "Public investment in key labs, engineering centres and shared instruments (lever 11; "
     "0 = none).",
     &Levers::platform_investment},
    {"policy.collaboration.intensity", "1", 0, 1, "0",
     "Share of firms' R&D done in co-funded industry-university-research projects and alliances "
     "(lever 12; 0 = none).",
     &Levers::collaboration},
    {"policy.ip_protection", "1", 0, 1, "0",
     "Strength of IP enforcement and patent navigation, 0-1: lowers imitation of patent holders "
     "and raises the return to R&D (lever 13; 0 = baseline law only).",
     &Levers::ip_protection},
    {"policy.open_innovation.intensity", "1", 0, 1, "0",
     "Support for technology import, joint R&D abroad and cross-licensing, 0-1: imitation toward "
     "the outside frontier (lever 14; 0 = none).",
     &Levers::open_innovation},
    {"policy.phase_out.share", "1/year", 0, 0.5, "0",
     "Share of a traditional cluster's least productive firms closed each year (lever 15; "
     "0 = none).",
     &Levers::phase_out_share},
}};

// The levers as the scenario writes them for a quarter and cluster, supported or not: what
// checks of a scenario's size look at, since a sweep may switch support on.
Levers levers_written(const sim::Scenario& scenario, int quarter, std::size_t cluster);

// The levers in force in a quarter and cluster: as written, with every lever that acts only in
// supported clusters at 0 where the province does not support this one.
Levers levers_at(const sim::Scenario& scenario, int quarter, std::size_t cluster);

// The fiscal-cost ledger: one line per lever that costs public money. Tax expenditures are the
// tax forgone; subsidies are what is paid; fund capital is paid in minus what comes back.
enum Ledger : std::size_t {
  kCostRdSuperDeduction,
  kCostHnteTaxRate,
  kCostTechTransferExemption,
  kCostPostSubsidy,
  kCostGuideFund,
  kCostAngelFund,
  kCostIpPledge,
  kCostRiskCompensation,
  kCostIncubators,
  kCostTalentProgramme,
  kCostPlatforms,
  kCostCollaboration,
  kCostIpProtection,
  kCostOpenInnovation,
  kCostPhaseOut,
  kLedgerCount
};

// Ledger line names as used in metric names (fiscal_cost_<name>) and their descriptions.
struct LedgerLine {
  std::string_view name;
  std::string_view description;
};
const std::array<LedgerLine, kLedgerCount>& ledger_lines();

// Costs of the levers that pay money out (settings under policy_costs.*).
struct PolicyCosts {
  double talent_cost_per_recruit;     // yuan per programme recruit
  double incubator_subsidy_per_slot;  // yuan per funded slot per year
  double collaboration_cofunding;     // public yuan per yuan of joint-project R&D
  double ip_pledge_interest_subsidy;  // share of interest on pledge loans paid by the province
  double phase_out_compensation;      // public yuan per yuan of capital closed
  double ip_protection_budget;        // yuan/year per cluster at full IP protection
  double open_innovation_budget;      // yuan/year per cluster at full open-innovation support

  static PolicyCosts from(const sim::Scenario& scenario);
};

void add_policy_settings(sim::Schema& schema);

}  // namespace models
