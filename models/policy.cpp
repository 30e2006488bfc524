#include "models/policy.hpp"

namespace models {

Levers levers_at(const sim::Scenario& sc, int q, std::size_t c) {
  Levers l;
  l.supported = sc.number("policy.supported_clusters", q, c) != 0.0;
  // National instruments (tax law) are read in tax.cpp; everything here is provincial and
  // applies only where the province supports the cluster.
  if (!l.supported) return l;
  l.post_subsidy_rate = sc.number("policy.post_subsidy.rate", q, c);
  l.guide_fund_capital = sc.number("policy.guide_fund.capital_per_year", q, c);
  l.guide_fund_gov_share = sc.number("policy.guide_fund.gov_share", q, c);
  l.guide_fund_concession = sc.number("policy.guide_fund.profit_concession", q, c);
  l.angel_fund_capital = sc.number("policy.angel_fund.capital_per_year", q, c);
  l.ip_pledge = sc.number("policy.finance.ip_pledge", q, c);
  l.risk_compensation = sc.number("policy.finance.risk_compensation", q, c);
  l.incubator_capacity = sc.number("policy.incubators.capacity", q, c);
  l.incubator_backbone_share = sc.number("policy.incubators.backbone_run_share", q, c);
  l.talent_recruits = sc.number("policy.talent_programme.recruits_per_year", q, c);
  l.platform_investment = sc.number("policy.platforms.investment_per_year", q, c);
  l.collaboration = sc.number("policy.collaboration.intensity", q, c);
  l.ip_protection = sc.number("policy.ip_protection", q, c);
  l.open_innovation = sc.number("policy.open_innovation.intensity", q, c);
  l.phase_out_share = sc.number("policy.phase_out.share", q, c);
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
  using sim::lever;
  using sim::number;
  s.add(lever("policy.supported_clusters", "1", 0, 1, "0",
              "1 where (and from when) the province supports a cluster as a pilot; every "
              "provincial lever below acts only in supported clusters (lever 1)."));
  s.add(lever("policy.post_subsidy.rate", "1", 0, 1, "0",
              "Post-subsidy for a key-technology breakthrough, as a share of the quarter's R&D "
              "that produced it, paid the next quarter (lever 5; 0 = off)."));
  s.add(lever("policy.guide_fund.capital_per_year", "yuan/year", 0, 1e12, "0",
              "Guide-fund money committed each year to a new sub-fund of the cluster "
              "(lever 6; 0 = off)."));
  s.add(lever("policy.guide_fund.gov_share", "1", 0.01, 1, "0.3",
              "Government share of each sub-fund's target size; private money is asked for the "
              "rest (lever 6; Shandong 2010 fund: at most 35%)."));
  s.add(lever("policy.guide_fund.profit_concession", "1", 0, 1, "0",
              "Share of the government's profit on a sub-fund ceded to private partners "
              "(lever 6; 0 = none)."));
  s.add(lever("policy.angel_fund.capital_per_year", "yuan/year", 0, 1e12, "0",
              "Achievement-transformation (angel) fund money committed each year for the "
              "cluster's startups (lever 7; 0 = off)."));
  s.add(lever("policy.finance.ip_pledge", "yuan/patent", 0, 1e9, "0",
              "Bank credit a firm can raise per valid invention patent pledged (lever 8; "
              "0 = no IP-pledge lending)."));
  s.add(lever("policy.finance.risk_compensation", "1", 0, 1, "0",
              "Share of banks' losses on SME and startup loans reimbursed by the provincial "
              "risk-compensation pool (lever 8; 0 = none)."));
  s.add(lever("policy.incubators.capacity", "slots", 0, 1e6, "0",
              "Tenant slots in provincially funded incubators, on top of the starting stock "
              "(lever 9; 0 = none funded)."));
  s.add(lever("policy.incubators.backbone_run_share", "1", 0, 1, "0",
              "Share of the funded slots in incubators run by backbone firms (lever 9)."));
  s.add(lever("policy.talent_programme.recruits_per_year", "persons/year", 0, 1e6, "0",
              "High-level researchers recruited by the provincial talent programme "
              "(lever 10; 0 = off)."));
  s.add(lever("policy.platforms.investment_per_year", "yuan/year", 0, 1e12, "0",
              "Public investment in key labs, engineering centres and shared instruments "
              "(lever 11; 0 = none)."));
  s.add(lever("policy.collaboration.intensity", "1", 0, 1, "0",
              "Share of firms' R&D done in co-funded industry-university-research projects "
              "and alliances (lever 12; 0 = none)."));
  s.add(lever("policy.ip_protection", "1", 0, 1, "0",
              "Strength of IP enforcement and patent navigation, 0-1: lowers imitation of "
              "patent holders and raises the return to R&D (lever 13; 0 = baseline law only)."));
  s.add(lever("policy.open_innovation.intensity", "1", 0, 1, "0",
              "Support for technology import, joint R&D abroad and cross-licensing, 0-1: "
              "imitation toward the outside frontier (lever 14; 0 = none)."));
  s.add(lever("policy.phase_out.share", "1/year", 0, 0.5, "0",
              "Share of a traditional cluster's least productive firms closed each year "
              "(lever 15; 0 = none)."));
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
