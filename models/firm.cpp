#include "models/firm.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include <tbb/parallel_for.h>

namespace models {

FirmTable::FirmTable() {
  agents.add_column(cluster, "cluster");
  agents.add_column(type, "type");
  agents.add_column(capital, "capital");
  agents.add_column(log_productivity, "log_productivity");
  agents.add_column(cash, "cash");
  agents.add_column(age, "age");
  agents.add_column(loss_quarters, "loss_quarters");
  agents.add_column(hnte_quarters_left, "hnte_quarters_left");
  agents.add_column(hightech_products, "hightech_products");
  agents.add_column(takeup_draw, "takeup_draw");
  agents.add_column(sales, "sales");
  agents.add_column(rd_real, "rd_real");
  agents.add_column(rd_reported, "rd_reported");
  agents.add_column(rd_reported_avg, "rd_reported_avg");
  agents.add_column(sales_avg, "sales_avg");
  agents.add_column(profit, "profit");
  agents.add_column(tax, "tax");
  agents.add_column(next_log_productivity, "next_log_productivity");
  agents.add_column(researchers, "researchers");
  agents.add_column(programme_researchers, "programme_researchers");
  agents.add_column(rd_planned, "rd_planned");
  agents.add_column(hires_wanted, "hires_wanted");
  agents.add_column(hires_made, "hires_made");
  agents.add_column(patent_stock, "patent_stock");
  agents.add_column(patents_granted, "patents_granted");
  agents.add_column(loss_pool, "loss_pool");
  agents.add_column(loss_pool_age, "loss_pool_age");
  agents.add_column(post_subsidy_due, "post_subsidy_due");
  agents.add_column(incubator, "incubator");
  agents.add_column(tenant_quarters, "tenant_quarters");
  agents.add_column(incubated, "incubated");
  agents.add_column(holding, "holding");
  agents.add_column(forced_out, "forced_out");
  agents.add_column(short_of_funds, "short_of_funds");
  agents.add_column(alive, "alive");
}

std::size_t FirmTable::index_of(std::uint64_t id) const {
  // Ids only grow and compaction keeps order, so the id column is sorted.
  const auto& ids = agents.id;
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  return it != ids.end() && *it == id ? static_cast<std::size_t>(it - ids.begin()) : ids.size();
}

FirmParams FirmParams::from(const sim::Scenario& sc) {
  FirmParams p{};
  p.rd_share_backbone = sc.number("firm.rd_share.backbone");
  p.rd_share_sme = sc.number("firm.rd_share.sme");
  p.rd_share_startup = sc.number("firm.rd_share.startup");
  p.startup_burn_rate = sc.number("firm.startup_burn_rate");
  p.rd_user_cost_elasticity = sc.number("firm.rd_user_cost_elasticity");
  p.rd_reference_user_cost = sc.number("firm.rd_reference_user_cost");
  p.innovation_share = sc.number("firm.innovation_share");
  p.innovation_rate = sc.number("firm.innovation_rate");
  p.imitation_rate = sc.number("firm.imitation_rate");
  p.innovation_support = sc.number("firm.innovation_support");
  p.imitation_gap_share = sc.number("firm.imitation_gap_share");
  p.patent_scale = sc.number("firm.patent_scale");
  p.patent_elasticity = sc.number("firm.patent_elasticity");
  p.depreciation = sc.number("firm.depreciation");
  p.interest_rate = sc.number("firm.interest_rate");
  p.collateral_ratio = sc.number("firm.collateral_ratio");
  p.credit_access_sme = sc.number("firm.credit_access.sme");
  p.credit_access_startup = sc.number("firm.credit_access.startup");
  p.cash_target_ratio = sc.number("firm.cash_target_ratio");
  p.max_investment_rate = sc.number("firm.max_investment_rate");
  p.startup_max_investment_rate = sc.number("firm.startup_max_investment_rate");
  p.exit_loss_quarters = static_cast<int>(sc.integer("firm.exit_loss_quarters"));
  p.startup_age_quarters = static_cast<int>(sc.integer("firm.startup_age_quarters"));
  p.backbone_revenue = sc.number("firm.backbone_revenue");
  p.relabel_share = sc.number("firm.rd_relabel_share");
  p.hnte_status_quarters = static_cast<int>(sc.integer("policy.hnte.status_quarters"));
  p.hnte_average_weight = 1.0 / static_cast<double>(p.hnte_status_quarters);
  p.initial_cash_ratio = sc.number("firm.initial_cash_ratio");
  p.initial_margin = sc.number("firm.initial_margin");
  p.entry_rate = sc.number("firm.entry.rate");
  p.entry_capital = sc.number("firm.entry.capital");
  p.entry_productivity_spread = sc.number("firm.entry.productivity_spread");
  p.entry_equity_ratio = sc.number("firm.entry.equity_ratio");
  p.startup_hazard = sc.number("firm.startup_hazard");
  p.spinoff_rate = sc.number("firm.spinoff_rate");
  p.spinoff_gap = sc.number("firm.spinoff_gap");
  p.frontier_pull = sc.number("firm.frontier_pull");
  p.breakthrough_threshold = sc.number("firm.breakthrough_threshold");
  p.breakthrough_expectation = sc.number("firm.breakthrough_expectation");
  p.patent_obsolescence = sc.number("firm.patent_obsolescence");
  p.licence_income_per_patent = sc.number("firm.licence_income_per_patent");
  p.ip_imitation_block = sc.number("firm.ip_imitation_block");
  p.ip_rd_response = sc.number("firm.ip_rd_response");
  p.collaboration_effect = sc.number("firm.collaboration_effect");
  p.open_innovation_gap = sc.number("firm.open_innovation_gap");
  p.risk_credit_response = sc.number("firm.risk_credit_response");
  p.loan_recovery = sc.number("firm.loan_recovery");
  p.initial_turnover = sc.number("firm.initial_turnover");
  p.initial_productivity_spread = sc.number("firm.initial_productivity_spread");
  p.size_tail_exponent = sc.number("firm.size_tail_exponent");
  p.hightech_share_emerging = sc.number("firm.hightech_share.emerging");
  p.hightech_share_traditional = sc.number("firm.hightech_share.traditional");
  return p;
}

namespace {

// (user cost / reference)^-elasticity. The user cost takes a handful of values in a quarter (tax
// regime, deduction claimed, post-subsidy lever), while pow was a third of the R&D planning
// phase, so the last few results are remembered per thread. A remembered value is returned
// only for the exact same arguments, so results do not change.
double user_cost_factor(double ratio, double elasticity) {
  struct Remembered {
    double ratio = std::numeric_limits<double>::quiet_NaN();
    double elasticity = 0.0;
    double factor = 0.0;
  };
  constexpr std::size_t kRemembered = 8;
  thread_local std::array<Remembered, kRemembered> remembered;
  thread_local std::size_t oldest = 0;
  for (const Remembered& r : remembered) {
    if (r.ratio == ratio && r.elasticity == elasticity) return r.factor;
  }
  Remembered& r = remembered[oldest];
  oldest = (oldest + 1) % kRemembered;
  r = {ratio, elasticity, std::pow(ratio, -elasticity)};
  return r.factor;
}

}  // namespace

double desired_rd(double nu, double sales, double user_cost, double reference_user_cost,
                  double elasticity) {
  if (sales <= 0.0) return 0.0;
  return nu * sales * user_cost_factor(user_cost / reference_user_cost, elasticity);
}

double nw_investment_rate(double price, double productivity, double unit_cost, double share,
                          double depreciation) {
  // A firm holding (nearly) the whole market would divide by zero; NW's rule is meant for
  // firms with a share below one, so the share is capped where the rule is still defined.
  const double s = std::min(share, 0.95);
  const double markup = price * productivity / unit_cost;
  if (markup <= 0.0) return 0.0;
  return std::max(0.0, 1.0 + depreciation - (2.0 - s) / (markup * (2.0 - 2.0 * s)));
}

double balanced_growth_return(double turnover, double margin, double annual_growth) {
  // NW rule for a small firm: I/k = 1 + delta - c / (P A). Setting I/k = delta + g_q with
  // P = 1 and c = (1 - margin) A + r gives r = A (margin - g_q).
  const double quarterly_growth = std::pow(1.0 + annual_growth, 0.25) - 1.0;
  return std::max(0.0, turnover * (margin - quarterly_growth));
}

double search_success(double zeta, double effort) {
  return effort > 0.0 ? 1.0 - std::exp(-zeta * effort) : 0.0;
}

double imitation_protection(double target_patent_stock, double ip_protection, const FirmParams& p) {
  return target_patent_stock > 0 ? 1.0 - p.ip_imitation_block * ip_protection : 1.0;
}

double imitated_log_productivity(double a, double target, const FirmParams& p) {
  const double gap = target - a;
  return a + p.imitation_gap_share * gap;
}

double expected_patents(double rd_yuan, double scale, double elasticity) {
  return rd_yuan > 0.0 ? scale * std::pow(rd_yuan / 1e6, elasticity) : 0.0;
}

RdPlan plan_rd_for_hnte(double rd, double sales, double threshold_intensity, double gain,
                        double user_cost, double liquidity, double relabel_share) {
  const double target = threshold_intensity * sales;
  if (sales <= 0.0 || target <= rd) return {rd, rd};
  const double real_extra = (1.0 - relabel_share) * (target - rd);
  if (gain > real_extra * user_cost && rd + real_extra <= liquidity) {
    return {rd + real_extra, target};
  }
  return {rd, rd};
}

FirmType classify(double annual_sales, int age_quarters, const FirmParams& p) {
  if (annual_sales >= p.backbone_revenue) return FirmType::Backbone;
  if (age_quarters < p.startup_age_quarters) return FirmType::Startup;
  return FirmType::Sme;
}

double rd_share(FirmType type, const FirmParams& p) {
  switch (type) {
    case FirmType::Backbone:
      return p.rd_share_backbone;
    case FirmType::Sme:
      return p.rd_share_sme;
    case FirmType::Startup:
      return p.rd_share_startup;
  }
  return 0.0;
}

QuarterRd plan_quarter_rd(const FirmTable& f, std::size_t i, double sales, double profit_basis,
                          const TaxRules& r, const Levers& levers, double credit,
                          const FirmParams& p, double rd_scale) {
  const double k = f.capital[i];
  const bool hnte = f.hnte_quarters_left[i] > 0;
  const auto type = static_cast<FirmType>(f.type[i]);
  const double marginal = marginal_tax_rate(4 * profit_basis, hnte, k, r);
  QuarterRd out;
  out.deduction = claimed_deduction(f, i, r);
  // A post-subsidy expected on part of the R&D lowers its cost like a grant; the floor keeps
  // the user cost positive whatever the levers.
  constexpr double kMinUserCost = 0.05;
  const double user_cost =
      std::max(kMinUserCost, rd_user_cost(marginal, out.deduction) -
                                 levers.post_subsidy_rate * p.breakthrough_expectation);
  double rd = desired_rd(rd_scale * rd_share(type, p), sales, user_cost, p.rd_reference_user_cost,
                         p.rd_user_cost_elasticity) *
              (1.0 + p.ip_rd_response * levers.ip_protection);
  if (type == FirmType::Startup) rd = std::max(rd, p.startup_burn_rate * std::max(0.0, f.cash[i]));
  const double liquidity = std::max(0.0, f.cash[i] + credit);
  out.short_of_funds = rd > liquidity;
  rd = std::min(rd, liquidity);
  out.plan = {rd, rd};
  // Firms seeking certification, or keeping the three-year average up for renewal, may bunch.
  if (f.hightech_products[i] != 0) {
    // Only a firm below the threshold weighs certification: the gain (two tax computations) is
    // worked out for it alone. It is the gain on this quarter's profit after the losses carried
    // forward, under the firm's own regime (standard rate or small low-profit band), as if it
    // held for a year.
    const double threshold = hnte_intensity_threshold(4 * f.sales_avg[i], r);
    if (threshold * sales > rd) {
      const double taxable = std::max(0.0, profit_basis - f.loss_pool[i]);
      const double gain = hnte_certification_gain(4 * taxable, k, r) / 4;
      out.plan =
          plan_rd_for_hnte(rd, sales, threshold, gain, user_cost, liquidity, p.relabel_share);
    }
  }
  return out;
}

double claimed_deduction(const FirmTable& f, std::size_t i, const TaxRules& r) {
  const bool tech_sme = is_tech_sme(4 * f.sales_avg[i], f.capital[i], r);
  return super_deduction(tech_sme, f.takeup_draw[i] < r.deduction_takeup, r);
}

QuarterTax firm_quarter_tax(const FirmTable& f, std::size_t i, double profit, double rd_reported,
                            double licence, const TaxRules& r, double subsidised_rd) {
  const bool hnte = f.hnte_quarters_left[i] > 0;
  const double assets = f.capital[i];
  // The carry-forward period follows the status of this quarter (average sales, assets).
  const bool long_carry = long_loss_carry(hnte, 4 * f.sales_avg[i], assets, r);
  const double deductible_rd = std::max(0.0, rd_reported - subsidised_rd);
  return quarter_tax({profit + subsidised_rd, claimed_deduction(f, i, r) * deductible_rd, licence,
                      hnte, long_carry, assets},
                     f.loss_pool[i], f.loss_pool_age[i], r);
}

double credit_per_capital(FirmType type, const Levers& l, const FirmParams& p) {
  double access = 1.0;
  if (type == FirmType::Sme) access = p.credit_access_sme;
  if (type == FirmType::Startup) access = p.credit_access_startup;
  const double gap_closed = std::min(1.0, p.risk_credit_response * l.risk_compensation);
  return p.collateral_ratio * (access + gap_closed * (1.0 - access));
}

double credit_limit(double capital, double patent_stock, FirmType type, const Levers& l,
                    const FirmParams& p) {
  return credit_per_capital(type, l, p) * std::max(0.0, capital) +
         l.ip_pledge * std::max(0.0, patent_stock);
}

double dividend(double cash, double capital, FirmType type, const FirmParams& p) {
  if (type == FirmType::Startup) return 0.0;
  return std::max(0.0, cash - p.cash_target_ratio * std::max(0.0, capital));
}

double default_loss(double cash, double capital, double recovery) {
  return std::max(0.0, -cash - recovery * std::max(0.0, capital));
}

void ProductivityRanking::build(const FirmTable& firms, std::size_t clusters) {
  const std::size_t n = firms.size();
  if (n > std::numeric_limits<Index>::max()) {
    throw std::length_error("the productivity ranking holds at most 2^32 - 1 firms");
  }
  begin.assign(clusters + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++begin[firms.cluster[i] + 1];
  for (std::size_t c = 0; c < clusters; ++c) begin[c + 1] += begin[c];
  ranked.resize(n);
  rank.resize(n);
  // Counting sort by cluster keeps firm order; then each cluster is sorted on its own, by
  // log-productivity with ties broken by index (= by id; a total order, so any thread count
  // agrees): the radix sort is stable and the firms enter it in index order.
  std::vector<std::size_t> next(begin.begin(), begin.end() - 1);
  for (std::size_t i = 0; i < n; ++i) ranked[next[firms.cluster[i]]++] = static_cast<Index>(i);
  tbb::parallel_for(std::size_t{0}, clusters, [&](std::size_t c) {
    // The sort's records live in a scratch of the thread, the size of the largest cluster it
    // has sorted, not in 32 bytes for every firm of the world: a sort never yields its thread
    // to another task, so no other cluster writes the scratch meanwhile.
    thread_local std::vector<sim::KeyedIndex> keys, spare;
    const std::size_t first = begin[c];
    const std::size_t size = begin[c + 1] - first;
    if (keys.size() < size) {
      keys.resize(size);
      spare.resize(size);
    }
    for (std::size_t j = 0; j < size; ++j) {
      const Index i = ranked[first + j];
      keys[j] = {sim::ordered_bits(firms.log_productivity[i]), i};
    }
    sim::radix_sort(std::span(keys).first(size), std::span(spare).first(size));
    for (std::size_t j = 0; j < size; ++j) {
      ranked[first + j] = keys[j].index;
      rank[keys[j].index] = static_cast<Index>(first + j);
    }
  });
}

void add_firm_settings(sim::Schema& s) {
  using sim::integer;
  using sim::number;
  s.add(number("firm.rd_share.backbone", "1", 0, 1, "0.02",
               "R&D budget of a backbone firm as a share of sales at the reference user cost "
               "(nu; assumption around K+S's 0.04, Dosi et al. 2010)."));
  s.add(number("firm.rd_share.sme", "1", 0, 1, "0.01",
               "R&D budget share of an SME (nu; assumption, below the backbone share)."));
  s.add(number("firm.rd_share.startup", "1", 0, 1, "0.03",
               "R&D budget share of a startup's sales (nu)."));
  s.add(number("firm.startup_burn_rate", "1/quarter", 0, 1, "0.05",
               "Share of its cash a startup spends on R&D each quarter when that exceeds the "
               "sales-based budget (assumption)."));
  s.add(number("firm.rd_user_cost_elasticity", "1", 0, 5, "1.1",
               "Elasticity of real R&D to its user cost (Chen, Liu, Serrato, Xu 2021)."));
  s.add(number("firm.rd_reference_user_cost", "1", 0.01, 1, "0.75",
               "User cost at which the R&D shares hold: a standard-rate firm claiming nothing."));
  s.add(number("firm.innovation_share", "1", 0, 1, "0.5",
               "Share of R&D spent on innovation, the rest on imitation (xi; Dosi et al. 2010)."));
  s.add(number("firm.innovation_rate", "1", 0, 10000, "100",
               "zeta of innovation: success = 1 - exp(-zeta * innovation R&D / sales) each "
               "quarter (assumption: about 2%/year productivity growth at 2% R&D intensity)."));
  s.add(number("firm.imitation_rate", "1", 0, 10000, "20",
               "zeta of imitation: success = 1 - exp(-zeta * imitation R&D / sales) "
               "(assumption)."));
  s.add(number("firm.innovation_support", "1", 0, 1, "0.05",
               "Half-width of the Beta(3,3) innovation draw on log-productivity (assumption; "
               "K+S use 0.15 per period)."));
  s.add(number("firm.imitation_gap_share", "1", 0, 1, "0.1",
               "Share of the productivity gap to the imitated firm closed by a success "
               "(assumption)."));
  s.add(number("firm.patent_scale", "patents/quarter", 0, 100, "0.12",
               "pi0: patents of a firm spending 1 m yuan of R&D a quarter (Shandong 2015: "
               "16,881 invention patents granted per 140.5 bn yuan R&D)."));
  s.add(number("firm.patent_elasticity", "1", 0, 2, "0.6",
               "beta: elasticity of patents to R&D (assumption; models/README.md)."));
  s.add(number("firm.depreciation", "1/quarter", 0, 1, "0.03",
               "Depreciation of capital per quarter (delta; Nelson and Winter 1982)."));
  s.add(number(
      "firm.interest_rate", "1/quarter", 0, 1, "0.015",
      "Interest on debt per quarter (about the 6%/year PBoC benchmark lending rate, 2014)."));
  s.add(number("firm.collateral_ratio", "1", 0, 5, "0.6",
               "Backbone firms' bank credit limit per yuan of capital pledged as collateral "
               "(median loan-to-collateral value, Nguyen and Qian 2012)."));
  s.add(number("firm.credit_access.sme", "1", 0, 1, "0.58",
               "SMEs' credit per yuan of capital, as a share of a backbone firm's (share of the "
               "amount SMEs asked for that banks granted in 2018, OECD 2020)."));
  s.add(number("firm.credit_access.startup", "1", 0, 1, "0.25",
               "Startups' credit per yuan of capital, as a share of a backbone firm's "
               "(assumption)."));
  s.add(number("firm.cash_target_ratio", "1", 0, 10, "0.1",
               "Cash an SME or backbone firm keeps per yuan of capital; cash above it is paid "
               "out as dividends (assumption: the starting cash ratio)."));
  s.add(number("firm.max_investment_rate", "1/quarter", 0, 1, "0.05",
               "Upper bound on an established firm's gross investment per unit of capital in a "
               "quarter (assumption, see models/README.md on calibration)."));
  s.add(number("firm.startup_max_investment_rate", "1/quarter", 0, 1, "0.25",
               "Upper bound on a startup's gross investment per unit of capital in a quarter: "
               "a young firm can double its capital within a year (assumption)."));
  s.add(integer("firm.exit_loss_quarters", "quarters", 1, 100, "5",
                "Consecutive loss quarters after which an established firm exits (Nelson and "
                "Winter 1982)."));
  s.add(integer("firm.startup_age_quarters", "quarters", 0, 100, "12",
                "Age below which a firm that is not backbone counts as a startup (assumption)."));
  s.add(number("firm.backbone_revenue", "yuan/year", 0, 1e13, "4e8",
               "Annual revenue from which a firm counts as backbone: the NBS large industrial "
               "enterprise threshold (Guotongzi [2011] 75)."));
  s.add(number("firm.rd_relabel_share", "1", 0, 1, "0.24",
               "Share of the R&D added to reach an HNTE threshold that is relabelled rather than "
               "real (Chen, Liu, Serrato, Xu 2021)."));
  s.add(number("firm.initial_margin", "1", -1, 1, "0.07",
               "Operating margin before R&D in the starting state, which sets each cluster's unit "
               "cost (NBS 2014 above-scale industry, see models/README.md)."));
  s.add(number("firm.initial_turnover", "1/quarter", 0.01, 10, "0.29",
               "Sales per yuan of capital per quarter in the starting state (NBS 2014 "
               "above-scale industry, revenue over assets, see models/README.md)."));
  s.add(number("firm.initial_cash_ratio", "1", 0, 10, "0.1",
               "Cash of a starting firm per yuan of its capital (assumption)."));
  s.add(number("firm.initial_productivity_spread", "1", 0, 3, "0.2",
               "Standard deviation of log-productivity within a cluster at the start (90/10 "
               "ratio 1.7; see models/README.md on why not larger)."));
  s.add(number("firm.size_tail_exponent", "1", 0.5, 5, "1.06",
               "Pareto exponent of initial firm sizes (Axtell 2001)."));
  s.add(number("firm.hightech_share.emerging", "1", 0, 1, "0.6",
               "Share of firms in emerging clusters meeting the HNTE high-tech product criterion "
               "(assumption)."));
  s.add(number("firm.hightech_share.traditional", "1", 0, 1, "0.15",
               "Share of firms in traditional clusters meeting the product criterion "
               "(assumption; high-tech output was 32.5% of Shandong industry in 2015)."));
  s.add(number("firm.entry.rate", "1/quarter", 0, 0.25, "0.025",
               "Expected entrants per quarter per incumbent firm (about 10%/year; assumption "
               "after Chinese manufacturing entry rates)."));
  s.add(number("firm.entry.capital", "yuan", 1e4, 1e12, "5e6",
               "Capital of an entrant (assumption)."));
  s.add(number("firm.entry.productivity_spread", "1", 0, 3, "0.3",
               "Standard deviation of an entrant's log-productivity around the cluster's "
               "output-weighted mean (assumption)."));
  s.add(number("firm.entry.equity_ratio", "1", 0, 10, "1.0",
               "Cash an entrant brings per yuan of capital (founders' and investors' equity)."));
  s.add(number("firm.startup_hazard", "1/quarter", 0, 1, "0.03",
               "Failure hazard of a startup per quarter besides running out of money "
               "(assumption: with the cash rule, about half of startups gone in five years)."));
  s.add(number("firm.spinoff_rate", "1/quarter", 0, 1, "0.005",
               "Startups spun off per backbone firm per quarter, e.g. engineering centres made "
               "independent (assumption)."));
  s.add(number("firm.spinoff_gap", "1", 0, 3, "0.1",
               "Log-productivity of a spin-off below its parent's (SKIN: spin-offs clone the "
               "parent's knowledge; size an assumption)."));
  s.add(number("firm.frontier_pull", "1", 0, 1, "0.01",
               "Share of the gap to the cluster's technology frontier a successful innovation "
               "closes on top of its own draw (assumption)."));
  s.add(number("firm.breakthrough_threshold", "1", 0, 1, "0.03",
               "Log-productivity step of an innovation that counts as a key-technology "
               "breakthrough for the post-subsidy (assumption)."));
  s.add(number("firm.breakthrough_expectation", "1", 0, 1, "0.1",
               "Share of R&D a firm expects to be paid back by post-subsidies per unit of rate "
               "(assumption)."));
  s.add(number("firm.patent_obsolescence", "1/quarter", 0, 1, "0.025",
               "Valid patents lapsing per quarter (about 10%/year; assumption)."));
  s.add(number("firm.licence_income_per_patent", "yuan/year", 0, 1e9, "1.5e5",
               "Technology-transfer income per valid invention patent: Shandong 2015 had 33.97 bn "
               "yuan of technology contracts over 47,694 valid invention patents (0.71 m each); "
               "licences and assignments proper are taken as about a fifth of contract value "
               "(assumption)."));
  s.add(number("firm.ip_imitation_block", "1", 0, 1, "0.5",
               "Fall of the chance of imitating a patent holder at full IP protection "
               "(assumption)."));
  s.add(number("firm.ip_rd_response", "1", 0, 5, "0.1",
               "Rise of R&D budgets at full IP protection (assumption)."));
  s.add(number("firm.collaboration_effect", "1", 0, 5, "0.3",
               "Rise of effective R&D (innovation and imitation) at full collaboration "
               "(assumption)."));
  s.add(number("firm.open_innovation_gap", "1", 0, 5, "0.3",
               "Outside technology frontier above the cluster's, log points (assumption)."));
  s.add(number("firm.risk_credit_response", "1", 0, 10, "1",
               "Share of the gap between an SME's or startup's credit terms and a backbone "
               "firm's that risk compensation closes, per unit of compensation (assumption)."));
  s.add(number("firm.loan_recovery", "1", 0, 1, "0.5",
               "Share of a failed firm's capital recovered by its bank (assumption)."));
}

}  // namespace models
