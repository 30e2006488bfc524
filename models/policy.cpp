#include "models/policy.hpp"

#include <string>

namespace models {

namespace {

void fill(Levers& levers, const LeverRow& row, double value) {
  if (row.flag != nullptr) {
    levers.*row.flag = value != 0.0;
  } else {
    levers.*row.number = value;
  }
}

void switch_off(Levers& levers, const LeverRow& row) {
  fill(levers, row, 0.0);
}

}  // namespace

Levers levers_written(const sim::Scenario& sc, int q, std::size_t c) {
  Levers l;
  for (const LeverRow& row : kLeverTable) fill(l, row, sc.number(std::string(row.key), q, c));
  return l;
}

Levers levers_at(const sim::Scenario& sc, int q, std::size_t c) {
  Levers l = levers_written(sc, q, c);
  // National instruments (tax law) are read in tax.cpp; what is here is provincial.
  if (!l.supported) {
    for (const LeverRow& row : kLeverTable) {
      if (row.reach == LeverReach::SupportedClusters) switch_off(l, row);
    }
  }
  return l;
}

const std::array<LedgerLine, kLedgerCount>& ledger_lines() {
  static const std::array<LedgerLine, kLedgerCount> lines = {{
      {"rd_super_deduction", "tax forgone through the R&D super-deduction"},
      {"hnte_tax_rate", "tax forgone through the HNTE reduced rate"},
      {"tech_transfer_exemption", "tax forgone on exempt technology-transfer income"},
      {"post_subsidy", "post-subsidies paid for key-technology breakthroughs"},
      {"guide_fund", "guide-fund capital paid in minus distributions returned to government"},
      {"angel_fund", "achievement-transformation fund capital paid in minus returns"},
      {"ip_pledge", "interest subsidies on IP-pledge loans"},
      {"risk_compensation", "loan losses reimbursed by the risk-compensation pool"},
      {"incubators", "operating subsidies of provincially funded incubator slots"},
      {"talent_programme", "grants to talent-programme recruits"},
      {"platforms", "investment in R&D platforms"},
      {"collaboration", "public co-funding of joint industry-university R&D"},
      {"ip_protection", "IP enforcement and patent-navigation budget"},
      {"open_innovation", "support budget for technology import and joint R&D abroad"},
      {"phase_out", "compensation for capacity closed by the phase-out"},
  }};
  return lines;
}

PolicyCosts PolicyCosts::from(const sim::Scenario& sc) {
  PolicyCosts p{};
  p.talent_cost_per_recruit = sc.number("policy_costs.talent_per_recruit");
  p.incubator_subsidy_per_slot = sc.number("policy_costs.incubator_per_slot");
  p.collaboration_cofunding = sc.number("policy_costs.collaboration_cofunding");
  p.ip_pledge_interest_subsidy = sc.number("policy_costs.ip_pledge_interest_subsidy");
  p.phase_out_compensation = sc.number("policy_costs.phase_out_compensation");
  p.ip_protection_budget = sc.number("policy_costs.ip_protection_per_year");
  p.open_innovation_budget = sc.number("policy_costs.open_innovation_per_year");
  return p;
}

void add_policy_settings(sim::Schema& s) {
  using sim::number;
  for (const LeverRow& row : kLeverTable) {
    s.add(sim::lever(std::string(row.key), std::string(row.unit), row.min, row.max,
                     std::string(row.default_yaml), std::string(row.description)));
  }
  s.add(number("policy_costs.talent_per_recruit", "yuan", 0, 1e9, "1e6",
               "Grant per talent-programme recruit (assumption: the order of Shandong's Taishan "
               "scholar grants)."));
  s.add(number("policy_costs.incubator_per_slot", "yuan/year", 0, 1e9, "2e4",
               "Operating subsidy per funded incubator slot per year (assumption)."));
  s.add(number("policy_costs.collaboration_cofunding", "1", 0, 1, "0.3",
               "Public yuan per yuan of R&D in co-funded joint projects (assumption)."));
  s.add(number("policy_costs.ip_pledge_interest_subsidy", "1", 0, 1, "0.3",
               "Share of the interest on IP-pledge loans paid by the province (assumption)."));
  s.add(number("policy_costs.ip_protection_per_year", "yuan/year", 0, 1e10, "2e7",
               "IP enforcement and patent-navigation budget per supported cluster at full "
               "protection (policy.ip_protection = 1); scaled by the lever (assumption)."));
  s.add(number("policy_costs.open_innovation_per_year", "yuan/year", 0, 1e10, "3e7",
               "Support budget for technology import and joint R&D abroad per supported cluster "
               "at full intensity; scaled by the lever (assumption)."));
  s.add(number("policy_costs.phase_out_compensation", "1", 0, 1, "0.1",
               "Compensation per yuan of capital closed by the phase-out (assumption)."));
}

}  // namespace models
