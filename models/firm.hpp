// Firms (backbone, SME, startup): state in structure-of-arrays form and the rules of the
// Nelson-Winter / Keynes+Schumpeter core (Nelson and Winter 1982; Dosi, Fagiolo and Roventini 2010;
// models/README.md). The tax law they are subject to is in tax.hpp; the markets they meet (talent,
// incubators, funds) own their files.
#pragma once

#include <cstdint>
#include <vector>

#include "models/policy.hpp"
#include "models/tax.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/agents.hpp"
#include "sim/core/radix_sort.hpp"
#include "sim/core/random.hpp"

namespace models {

enum class FirmType : std::uint8_t { Backbone = 0, Sme = 1, Startup = 2 };

// A count of quarters kept per firm (age, loss runs, certification clock, tenancy). A run has at
// most 800 quarters and starting firms are at most 80 quarters old, so 16 bits hold every count
// (WorldSetup checks the bound); half the width of int is half the memory of these columns.
using QuarterCount = std::int16_t;
inline constexpr int kMaxQuarterCount = 32767;
inline QuarterCount quarter_count(int quarters) {
  return static_cast<QuarterCount>(quarters);
}

struct FirmTable {
  FirmTable();

  sim::AgentTable agents;  // ids, births, deaths
  std::vector<std::uint16_t> cluster;
  std::vector<std::uint8_t> type;                // FirmType
  std::vector<double> capital;                   // k, yuan
  std::vector<double> log_productivity;          // a: ln(output per yuan of capital per quarter)
  std::vector<double> cash;                      // liquid net position, yuan (negative = debt)
  std::vector<QuarterCount> age;                 // quarters since entry
  std::vector<QuarterCount> loss_quarters;       // consecutive quarters with a loss
  std::vector<QuarterCount> hnte_quarters_left;  // 0 = not certified
  std::vector<std::uint8_t> hightech_products;   // meets the HNTE product criterion
  std::vector<double> takeup_draw;               // claims the super-deduction when below take-up
  std::vector<double> sales;                     // this quarter, yuan
  std::vector<double> rd_real;                   // R&D that buys knowledge, yuan/quarter
  std::vector<double> rd_reported;               // R&D reported for tax (incl. relabelled)
  std::vector<double> rd_reported_avg;           // moving average for the HNTE test
  std::vector<double> sales_avg;                 // moving average for the HNTE test
  std::vector<double> profit;                    // before tax, yuan/quarter
  std::vector<double> tax;                       // income tax, yuan/quarter
  std::vector<double> next_log_productivity;     // result of this quarter's innovation
  // R&D labour (talent.hpp): researchers employed, of whom talent-programme recruits; the
  // quarter's planned real R&D, the researchers it still wants to hire, and those it found.
  std::vector<double> researchers;
  std::vector<double> programme_researchers;
  std::vector<double> rd_planned;
  std::vector<double> hires_wanted;
  std::vector<double> hires_made;
  std::vector<double> patent_stock;           // valid patents
  std::vector<double> patents_granted;        // this quarter's, added to the stock after search
  std::vector<double> loss_pool;              // tax losses carried forward, yuan
  std::vector<QuarterCount> loss_pool_age;    // quarters since the oldest loss in the pool
  std::vector<double> post_subsidy_due;       // paid next quarter, yuan
  std::vector<std::uint32_t> incubator;       // incubator id + 1; 0 = not a tenant
  std::vector<QuarterCount> tenant_quarters;  // quarters in the incubator
  std::vector<std::uint8_t> incubated;        // has been a tenant (admitted once only)
  // A fund's equity stake: its row in FundMarket's holdings + 1; 0 = no fund holds equity.
  // Few firms are held at a time, so the stake itself lives with the funds (fund.hpp).
  std::vector<std::uint32_t> holding;
  std::vector<std::uint8_t> forced_out;  // closed by the phase-out this quarter
  // R&D or investment this quarter was cut to what the firm could pay or borrow.
  std::vector<std::uint8_t> short_of_funds;
  std::vector<std::uint8_t> alive;

  std::size_t size() const { return agents.size(); }
  // Index of the living firm with this id, or size().
  std::size_t index_of(std::uint64_t id) const;
};

// Parameters of the firm rules (settings under firm.*; sources in models/README.md).
struct FirmParams {
  double rd_share_backbone, rd_share_sme, rd_share_startup;  // nu
  double startup_burn_rate;
  double rd_user_cost_elasticity;          // epsilon
  double rd_reference_user_cost;           // rho_0
  double innovation_share;                 // xi
  double innovation_rate, imitation_rate;  // zeta per unit of R&D intensity
  double innovation_support;               // half-width of the Beta(3,3) draw
  double imitation_gap_share;
  double patent_scale, patent_elasticity;
  double depreciation;
  double interest_rate;
  double collateral_ratio;             // backbone firms' credit per yuan of capital
  double credit_access_sme;            // SMEs' credit per yuan of capital, share of backbone's
  double credit_access_startup;        // startups' credit per yuan of capital, share of backbone's
  double cash_target_ratio;            // cash kept per yuan of capital; the rest is paid out
  double max_investment_rate;          // technological limit of an established firm
  double startup_max_investment_rate;  // and of a startup scaling up
  int exit_loss_quarters;
  int startup_age_quarters;
  double backbone_revenue;
  double relabel_share;
  double hnte_average_weight;
  int hnte_status_quarters;
  double initial_cash_ratio;
  double initial_margin;
  // The starting state: turnover (output per yuan of capital per quarter) and the spread of
  // log-productivity around it, the Pareto tail of firm sizes, and the shares of firms whose
  // products meet the HNTE criterion in emerging and traditional clusters.
  double initial_turnover, initial_productivity_spread, size_tail_exponent;
  double hightech_share_emerging, hightech_share_traditional;
  double entry_rate, entry_capital, entry_productivity_spread, entry_equity_ratio;
  double startup_hazard;             // failure hazard of a startup per quarter
  double spinoff_rate;               // spin-offs per backbone firm per quarter
  double spinoff_gap;                // spin-off's log-productivity below its parent's
  double frontier_pull;              // share of the gap to the frontier an innovation closes
  double breakthrough_threshold;     // innovation step that earns a post-subsidy
  double breakthrough_expectation;   // share of R&D firms expect to be subsidised
  double patent_obsolescence;        // share of valid patents lapsing per quarter
  double licence_income_per_patent;  // technology-transfer income, yuan/year per valid patent
  double ip_imitation_block;         // imitation of patent holders at full IP protection
  double ip_rd_response;             // extra R&D at full IP protection
  double collaboration_effect;       // extra effective R&D at full collaboration
  double open_innovation_gap;        // outside frontier above the cluster's, log points
  double risk_credit_response;       // widening of SME credit at full risk compensation
  double loan_recovery;              // share of capital recovered on a default

  static FirmParams from(const sim::Scenario& scenario);
};

// --- rules (pure functions, unit-tested) ---------------------------------------------------

// Desired R&D: nu * sales * (rho / rho0)^(-epsilon).
double desired_rd(double nu, double sales, double user_cost, double reference_user_cost,
                  double elasticity);

// Nelson-Winter investment rule: gross investment per unit of capital,
// 1 + delta - (2 - s) / ((P A / c) (2 - 2 s)), floored at 0.
double nw_investment_rate(double price, double productivity, double unit_cost, double share,
                          double depreciation);

// Return on capital (yuan per yuan per quarter) that firms require before expanding, set so
// that the starting state is a balanced-growth state of the NW rule: at price 1 and the
// starting margin, the average firm invests depreciation plus the demand growth of its cluster.
// Floored at 0.
double balanced_growth_return(double turnover, double margin, double annual_growth);

// Success probability of a quarter's search with the given effort: 1 - exp(-zeta * effort).
double search_success(double zeta, double effort);

// Share of imitation success left when the target holds valid patents: 1 - beta_IP * IP
// (enforcement blocks copying of patent holders); 1 when it holds none.
double imitation_protection(double target_patent_stock, double ip_protection, const FirmParams& p);

// Log-productivity of a firm at `a` that imitates a target at `target`: it closes the share
// firm.imitation_gap_share of the gap (also toward the outside frontier, open innovation).
double imitated_log_productivity(double a, double target, const FirmParams& p);

// Expected patents of a quarter: pi0 * (R&D in million yuan)^beta.
double expected_patents(double rd_yuan, double scale, double elasticity);

// A quarter's R&D: real spending (buys knowledge) and reported spending (counts for tax).
struct RdPlan {
  double real = 0.0;
  double reported = 0.0;
};

// Bunching at the HNTE threshold (Chen et al. 2021): a firm eligible for certification raises
// reported R&D to the threshold when what certification saves it in tax this quarter (`gain`,
// yuan; hnte_certification_gain) exceeds the after-tax cost of the real part of the increase; a
// share `relabel_share` of the increase is relabelled spending.
RdPlan plan_rd_for_hnte(double rd, double sales, double threshold_intensity, double gain,
                        double user_cost, double liquidity, double relabel_share);

FirmType classify(double annual_sales, int age_quarters, const FirmParams& p);

// nu of a firm type.
double rd_share(FirmType type, const FirmParams& p);

// A firm's R&D for the quarter, given its sales and the profit its tax position is judged on:
// the budget at its user cost (desired_rd), a startup's burn, the liquidity cap, and bunching
// at the HNTE threshold when its products qualify. Also returns the super-deduction it claims.
struct QuarterRd {
  RdPlan plan;
  double deduction = 0.0;
  bool short_of_funds = false;  // the budget was cut to the firm's cash and credit
};
// rd_scale multiplies the budget (the cluster's calibration to its data).
// The user cost also falls by the expected post-subsidy (rate * breakthrough_expectation), and
// the budget rises with IP protection (appropriability); `credit` is the firm's borrowing room.
QuarterRd plan_quarter_rd(const FirmTable& firms, std::size_t i, double sales, double profit_basis,
                          const TaxRules& rules, const Levers& levers, double credit,
                          const FirmParams& p, double rd_scale = 1.0);

// The super-deduction rate firm i claims this quarter: the tech-SME rate or the general one by
// its average sales and its capital, if its take-up draw is below the take-up. Planning and
// production both call it, before the production phase updates the average sales, so they agree
// without the rate being stored for every firm.
double claimed_deduction(const FirmTable& firms, std::size_t i, const TaxRules& rules);

// Firm i's income tax for the quarter, as the production phase books it: profit less the
// super-deduction it claims this quarter (claimed_deduction) on its reported R&D, relief on its
// licence income, at its HNTE status, offset by its loss pool for the carry-forward period it
// qualifies for. R&D paid from non-taxable subsidies (`subsidised_rd`: co-funding and
// post-subsidies spent this quarter) is neither deducted nor super-deducted (EIT law implementation
// regulations art. 28): it is added back to the profit and leaves the super-deduction's base.
QuarterTax firm_quarter_tax(const FirmTable& firms, std::size_t i, double profit,
                            double rd_reported, double licence, const TaxRules& rules,
                            double subsidised_rd = 0.0);

// Bank credit per yuan of capital: collateral_ratio for a backbone firm; SMEs and startups get
// their credit-access share of it, and the risk-compensation pool closes the share
// min(1, response * compensation) of the gap to the backbone's terms.
double credit_per_capital(FirmType type, const Levers& levers, const FirmParams& p);

// Bank credit a firm can draw (its limit on debt): credit_per_capital * capital plus IP-pledge
// credit per valid patent.
double credit_limit(double capital, double patent_stock, FirmType type, const Levers& levers,
                    const FirmParams& p);

// Dividend of a firm after investment: cash above cash_target_ratio * capital is paid out
// (pecking order: investment and R&D are paid from retained cash first). Startups, living on
// their founders' and investors' equity, pay none.
double dividend(double cash, double capital, FirmType type, const FirmParams& p);

// Bank loss when a firm with net position `cash` (negative = debt) fails: the debt not covered
// by the recovered share of its capital.
double default_loss(double cash, double capital, double recovery);

// Firms grouped by cluster and sorted by (log-productivity, id) within each: ranked[begin[c] ..
// begin[c+1]) are cluster c's firm indices, rank[i] is firm i's position in `ranked`.
struct ProductivityRanking {
  // Firm indices fit 32 bits (the memory check refuses worlds far smaller than 2^32 firms);
  // half the width of size_t is half the cache traffic of the innovation phase's lookups.
  using Index = std::uint32_t;
  std::vector<std::size_t> begin;
  std::vector<Index> ranked, rank;
  void build(const FirmTable& firms, std::size_t clusters);
  // Firms of i's cluster more productive than i (ties broken by id).
  std::size_t better_than(std::size_t i, std::uint16_t cluster) const {
    return begin[cluster + 1] - 1 - rank[i];
  }
  // The k-th (0-based) of those, as a firm index.
  std::size_t better(std::size_t i, std::size_t k) const { return ranked[rank[i] + 1 + k]; }
};

void add_firm_settings(sim::Schema& schema);

}  // namespace models
