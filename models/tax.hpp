// China's enterprise income tax as it bears on the plan's firms: the standard and HNTE rates,
// the small low-profit enterprise regime, the R&D super-deduction, the technology-transfer
// relief, loss carry-forward, HNTE certification, and a firm's tax for a quarter with what each
// preference saves it. Tax law lives here so that the firm rules and the quarter only apply it;
// the rates are settings whose defaults follow the national schedule (models/README.md).
#pragma once

#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"

namespace models {

// The tax law in force in one quarter for one cluster.
struct TaxRules {
  double standard_rate = 0.25;
  double hnte_rate = 0.15;
  // Small low-profit enterprises: annual taxable income up to `small_ceiling` (and assets up to
  // `small_max_assets`) is taxed at small_rate_low up to small_bracket and small_rate_high above.
  double small_ceiling = 0.0;
  double small_bracket = 0.0;
  double small_rate_low = 0.10;
  double small_rate_high = 0.10;
  double small_max_assets = 0.0;
  // R&D super-deduction: share of R&D expense deducted on top of the expense itself.
  double deduction_general = 0.5;
  double deduction_tech_sme = 0.5;
  double deduction_takeup = 1.0;  // share of firms that claim it
  // Technology-based SMEs (the 75% deduction from 2017): annual revenue and assets limits.
  double tech_sme_max_revenue = 2e8;
  double tech_sme_max_assets = 2e8;
  // HNTE criteria: R&D intensity by annual sales band, and the status's length.
  double hnte_intensity_small = 0.06;
  double hnte_intensity_medium = 0.04;
  double hnte_intensity_large = 0.03;
  double hnte_small_sales = 5e7;
  double hnte_large_sales = 2e8;
  // Technology-transfer income exempt each year (half of the rest is taxed).
  double tech_transfer_exempt = 5e6;
  // Loss carry-forward in quarters: general, and for HNTEs and technology-based SMEs.
  int loss_carry_quarters = 20;
  int loss_carry_quarters_long = 20;
};

// Reads the rules for a quarter and cluster from a scenario.
TaxRules tax_rules_at(const sim::Scenario& scenario, int quarter, std::size_t cluster);

// Annual income tax on annual taxable income: the cheapest regime the firm qualifies for
// (standard; HNTE when certified; small low-profit when income and assets are small enough).
double annual_income_tax(double taxable, bool hnte, double assets, const TaxRules& rules);

// Marginal rate of that tax at the given income: what a yuan of deduction saves.
double marginal_tax_rate(double taxable, bool hnte, double assets, const TaxRules& rules);

bool is_tech_sme(double annual_revenue, double assets, const TaxRules& rules);

// Super-deduction rate a firm can claim (0 when it does not take the deduction up).
double super_deduction(bool tech_sme, bool takes_up, const TaxRules& rules);

// R&D user cost per yuan after tax: 1 - t (1 + theta) (Hall and Jorgenson 1967).
double rd_user_cost(double marginal_rate, double deduction);

// R&D intensity an HNTE must reach for its annual sales band.
double hnte_intensity_threshold(double annual_sales, const TaxRules& rules);

// HNTE R&D criterion on average reported R&D and sales. A firm that reports exactly the
// threshold every quarter has averages equal up to rounding, so the comparison allows a relative
// 1e-9 (far below any economic difference).
bool meets_hnte_intensity(double rd_average, double sales_average, const TaxRules& rules);

// Technology-transfer income relieved from tax: all of it up to the exempt amount, half above;
// nothing when the exempt amount is 0 (lever off).
double tech_transfer_relief(double annual_income, double exempt);

// Loss carry-forward: income (after deductions) offsets the pool of past losses, or a loss adds
// to it. The pool lapses whole once its oldest loss is older than the carry-forward period.
struct LossCarry {
  double taxable = 0.0;  // income after offsetting losses (never negative)
  double pool = 0.0;
  int age = 0;  // quarters since the oldest loss in the pool
};
LossCarry carry_losses(double income, double pool, int age, int limit_quarters);

// What HNTE certification saves a year on this taxable income: the tax without the status less
// the tax with it, both under the small low-profit regime where the firm qualifies. A small
// low-profit firm already taxed at 10% (5% from 2019) gains nothing from the 15% HNTE rate.
double hnte_certification_gain(double annual_taxable, double assets, const TaxRules& rules);

// A quarter's income tax of a firm and what each preference saves it (tax expenditures, the
// tax without that preference all else equal, losses carried forward included).
struct QuarterIncome {
  double profit;     // before tax, yuan/quarter; subsidised R&D already added back
  double deduction;  // super-deduction claimed: rate x deductible reported R&D, yuan/quarter
  double licence;    // technology-transfer income, yuan/quarter
  bool hnte;         // certified
  bool long_carry;   // HNTE or technology-based SME: the longer carry-forward
  double assets;     // for the small low-profit test
};
struct QuarterTax {
  double tax = 0.0;
  LossCarry carry;  // the loss pool after this quarter
  double without_deduction = 0.0, without_relief = 0.0, without_hnte = 0.0;
};
QuarterTax quarter_tax(const QuarterIncome& income, double loss_pool, int loss_pool_age,
                       const TaxRules& rules);

// HNTEs and technology-based SMEs carry losses forward for the longer period (Caishui [2018]
// 76); the status in the quarter decides for the whole pool.
bool long_loss_carry(bool hnte, double annual_revenue, double assets, const TaxRules& rules);

// HNTE certification left after a quarter: the term runs down, and once it has lapsed a firm
// whose products qualify and whose average R&D meets the criterion is certified for a new term.
int hnte_quarters_after(int quarters_left, bool hightech_products, double rd_average,
                        double sales_average, int term_quarters, const TaxRules& rules);

void add_tax_settings(sim::Schema& schema);

}  // namespace models
