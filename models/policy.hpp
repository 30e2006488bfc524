// The province's policy levers (seed/policy-summary.md, levers 1-15) and the government's
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

// Reads the provincial levers for a quarter and cluster.
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
