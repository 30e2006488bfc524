#include "models/tax.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace models {

TaxRules tax_rules_at(const sim::Scenario& sc, int q, std::size_t c) {
  TaxRules r;
  r.standard_rate = sc.number("tax.standard_rate", q, c);
  r.hnte_rate = sc.number("policy.hnte_tax_rate", q, c);
  r.small_ceiling = sc.number("tax.small_profit.ceiling", q, c);
  r.small_bracket = sc.number("tax.small_profit.bracket", q, c);
  r.small_rate_low = sc.number("tax.small_profit.rate_low", q, c);
  r.small_rate_high = sc.number("tax.small_profit.rate_high", q, c);
  r.small_max_assets = sc.number("tax.small_profit.max_assets", q, c);
  r.deduction_general = sc.number("policy.rd_super_deduction", q, c);
  r.deduction_tech_sme = sc.number("policy.rd_super_deduction_tech_sme", q, c);
  r.deduction_takeup = sc.number("policy.rd_deduction_takeup", q, c);
  r.tech_sme_max_revenue = sc.number("tax.tech_sme.max_revenue", q, c);
  r.tech_sme_max_assets = sc.number("tax.tech_sme.max_assets", q, c);
  r.hnte_intensity_small = sc.number("policy.hnte.rd_intensity_small", q, c);
  r.hnte_intensity_medium = sc.number("policy.hnte.rd_intensity_medium", q, c);
  r.hnte_intensity_large = sc.number("policy.hnte.rd_intensity_large", q, c);
  r.hnte_small_sales = sc.number("policy.hnte.small_sales_limit", q, c);
  r.hnte_large_sales = sc.number("policy.hnte.large_sales_limit", q, c);
  r.tech_transfer_exempt = sc.number("policy.tech_transfer_exemption", q, c);
  r.loss_carry_quarters = static_cast<int>(4 * sc.number("tax.loss_carry_forward_years", q, c));
  r.loss_carry_quarters_long =
      static_cast<int>(4 * sc.number("tax.loss_carry_forward_years_hnte", q, c));
  return r;
}

namespace {

bool qualifies_small(double taxable, double assets, const TaxRules& r) {
  return taxable <= r.small_ceiling && assets <= r.small_max_assets;
}

double small_profit_tax(double taxable, const TaxRules& r) {
  return r.small_rate_low * std::min(taxable, r.small_bracket) +
         r.small_rate_high * std::max(0.0, taxable - r.small_bracket);
}

}  // namespace

double annual_income_tax(double taxable, bool hnte, double assets, const TaxRules& r) {
  if (taxable <= 0.0) return 0.0;
  double tax = r.standard_rate * taxable;
  if (hnte) tax = std::min(tax, r.hnte_rate * taxable);
  if (qualifies_small(taxable, assets, r)) tax = std::min(tax, small_profit_tax(taxable, r));
  return tax;
}

double hnte_certification_gain(double annual_taxable, double assets, const TaxRules& r) {
  return annual_income_tax(annual_taxable, false, assets, r) -
         annual_income_tax(annual_taxable, true, assets, r);
}

double marginal_tax_rate(double taxable, bool hnte, double assets, const TaxRules& r) {
  if (taxable <= 0.0) return 0.0;
  double rate = r.standard_rate;
  double tax = r.standard_rate * taxable;
  if (hnte && r.hnte_rate * taxable < tax) {
    rate = r.hnte_rate;
    tax = r.hnte_rate * taxable;
  }
  if (qualifies_small(taxable, assets, r) && small_profit_tax(taxable, r) < tax) {
    rate = taxable <= r.small_bracket ? r.small_rate_low : r.small_rate_high;
  }
  return rate;
}

bool is_tech_sme(double annual_revenue, double assets, const TaxRules& r) {
  return annual_revenue <= r.tech_sme_max_revenue && assets <= r.tech_sme_max_assets;
}

double super_deduction(bool tech_sme, bool takes_up, const TaxRules& r) {
  if (!takes_up) return 0.0;
  return tech_sme ? std::max(r.deduction_tech_sme, r.deduction_general) : r.deduction_general;
}

double rd_user_cost(double marginal_rate, double deduction) {
  return 1.0 - marginal_rate * (1.0 + deduction);
}

double hnte_intensity_threshold(double annual_sales, const TaxRules& r) {
  if (annual_sales <= r.hnte_small_sales) return r.hnte_intensity_small;
  if (annual_sales <= r.hnte_large_sales) return r.hnte_intensity_medium;
  return r.hnte_intensity_large;
}

bool meets_hnte_intensity(double rd_average, double sales_average, const TaxRules& r) {
  if (sales_average <= 0.0) return false;
  constexpr double kRelativeTolerance = 1e-9;
  return rd_average >= hnte_intensity_threshold(4 * sales_average, r) * sales_average *
                           (1.0 - kRelativeTolerance);
}

double tech_transfer_relief(double annual_income, double exempt) {
  // Without an exempt amount there is no preference at all (the lever is off).
  if (annual_income <= 0 || exempt <= 0) return 0.0;
  return std::min(annual_income, exempt) + 0.5 * std::max(0.0, annual_income - exempt);
}

LossCarry carry_losses(double income, double pool, int age, int limit_quarters) {
  LossCarry out{0.0, pool, pool > 0 ? age + 1 : 0};
  if (out.pool > 0 && out.age > limit_quarters) out = {0.0, 0.0, 0};
  if (income < 0) {
    if (out.pool == 0) out.age = 0;
    out.pool += -income;
    return out;
  }
  const double used = std::min(out.pool, income);
  out.pool -= used;
  out.taxable = income - used;
  if (out.pool == 0) out.age = 0;
  return out;
}

QuarterTax quarter_tax(const QuarterIncome& in, double loss_pool, int loss_pool_age,
                       const TaxRules& r) {
  // Taxable income: profit less the super-deduction and the technology-transfer relief, then
  // offset against the losses carried forward.
  const double relief = tech_transfer_relief(4 * in.licence, r.tech_transfer_exempt) / 4;
  const int limit = in.long_carry ? r.loss_carry_quarters_long : r.loss_carry_quarters;
  const auto taxable_for = [&](double income) {
    return carry_losses(income, loss_pool, loss_pool_age, limit);
  };
  const auto tax_on = [&](double taxable, bool hnte) {
    return annual_income_tax(4 * taxable, hnte, in.assets, r) / 4;
  };
  QuarterTax out;
  out.carry = taxable_for(in.profit - in.deduction - relief);
  out.tax = tax_on(out.carry.taxable, in.hnte);
  // A preference the firm does not have leaves its tax as it is (x - 0 is exactly x), so the
  // tax without it is computed only where it is non-zero: most firms claim one or none.
  out.without_deduction =
      in.deduction != 0 ? tax_on(taxable_for(in.profit - relief).taxable, in.hnte) : out.tax;
  out.without_relief =
      relief != 0 ? tax_on(taxable_for(in.profit - in.deduction).taxable, in.hnte) : out.tax;
  out.without_hnte = in.hnte ? tax_on(out.carry.taxable, false) : out.tax;
  return out;
}

bool long_loss_carry(bool hnte, double annual_revenue, double assets, const TaxRules& r) {
  return hnte || is_tech_sme(annual_revenue, assets, r);
}

int hnte_quarters_after(int quarters_left, bool hightech_products, double rd_average,
                        double sales_average, int term_quarters, const TaxRules& r) {
  if (quarters_left > 0) --quarters_left;
  if (quarters_left == 0 && hightech_products &&
      meets_hnte_intensity(rd_average, sales_average, r)) {
    quarters_left = term_quarters;
  }
  return quarters_left;
}

void add_tax_settings(sim::Schema& s) {
  using sim::lever;
  s.add(lever("tax.standard_rate", "1", 0, 1, "0.25",
              "Standard enterprise income tax rate (EIT law 2008)."));
  s.add(lever("tax.small_profit.ceiling", "yuan/year", 0, 1e9,
              "{2014: 1e5, 2015: 2e5, 2015Q4: 3e5, 2017: 5e5, 2018: 1e6, 2019: 3e6}",
              "Largest annual taxable income of a small low-profit enterprise (Caishui [2014] 34, "
              "[2015] 34, [2015] 99, [2017] 43, [2018] 77, [2019] 13)."));
  s.add(lever("tax.small_profit.bracket", "yuan/year", 0, 1e9,
              "{2014: 1e5, 2015: 2e5, 2015Q4: 3e5, 2017: 5e5, 2018: 1e6}",
              "Taxable income up to which the low small-profit rate applies (1 m from 2019)."));
  s.add(lever("tax.small_profit.rate_low", "1", 0, 1, "{2014: 0.10, 2019: 0.05, 2021: 0.025}",
              "Effective rate on small-profit income up to the bracket."));
  s.add(lever("tax.small_profit.rate_high", "1", 0, 1, "0.10",
              "Effective rate on small-profit income between the bracket and the ceiling."));
  s.add(lever("tax.small_profit.max_assets", "yuan", 0, 1e12, "{2014: 3e7, 2019: 5e7}",
              "Largest total assets of a small low-profit industrial enterprise."));
  s.add(lever("tax.tech_sme.max_revenue", "yuan/year", 0, 1e12, "2e8",
              "Largest annual revenue of a technology-based SME (Guokefazheng [2017] 115)."));
  s.add(lever("tax.tech_sme.max_assets", "yuan", 0, 1e12, "2e8",
              "Largest total assets of a technology-based SME (Guokefazheng [2017] 115)."));
  s.add(lever("policy.rd_super_deduction", "1", 0, 3, "{2014: 0.5, 2018: 0.75}",
              "R&D super-deduction for firms in general: extra share of R&D expense deducted "
              "(Caishui [2015] 119, [2018] 99); 0 = lever off."));
  s.add(lever("policy.rd_super_deduction_tech_sme", "1", 0, 3, "{2014: 0.5, 2017: 0.75}",
              "R&D super-deduction for technology-based SMEs (Caishui [2017] 34); 0 = off."));
  s.add(lever("policy.tech_transfer_exemption", "yuan/year", 0, 1e10, "5e6",
              "Technology-transfer income exempt from income tax each year; half the tax is "
              "levied above it (EIT law art. 27, Caishui [2010] 111, [2015] 116); 0 = lever "
              "off."));
  s.add(lever("tax.loss_carry_forward_years", "years", 0, 20, "5",
              "Years a tax loss can be carried forward (EIT law art. 18)."));
  s.add(lever("tax.loss_carry_forward_years_hnte", "years", 0, 20, "{2014: 5, 2018: 10}",
              "Carry-forward for HNTEs and technology-based SMEs (Caishui [2018] 76)."));
  s.add(lever("policy.rd_deduction_takeup", "1", 0, 1, "0.5",
              "Share of firms that claim the super-deduction; enforcement and outreach raise it "
              "(assumption)."));
  s.add(lever("policy.hnte_tax_rate", "1", 0, 1, "0.15",
              "Income tax rate of certified high and new technology enterprises (HNTE); set "
              "equal to tax.standard_rate to switch the preference off."));
  s.add(lever("policy.hnte.rd_intensity_small", "1", 0, 1, "{2014: 0.06, 2016: 0.05}",
              "HNTE criterion: R&D over sales for annual sales up to the small limit "
              "(Guokefahuo [2008] 172, [2016] 32)."));
  s.add(lever("policy.hnte.rd_intensity_medium", "1", 0, 1, "0.04",
              "HNTE criterion: R&D over sales between the small and large limits."));
  s.add(lever("policy.hnte.rd_intensity_large", "1", 0, 1, "0.03",
              "HNTE criterion: R&D over sales above the large limit."));
  s.add(lever("policy.hnte.small_sales_limit", "yuan/year", 0, 1e12, "5e7",
              "HNTE criterion: upper edge of the small sales band."));
  s.add(lever("policy.hnte.large_sales_limit", "yuan/year", 0, 1e12, "2e8",
              "HNTE criterion: lower edge of the large sales band."));
  s.add(sim::integer("policy.hnte.status_quarters", "quarters", 1, 40, "12",
                     "Length of an HNTE certification (three years)."));
  s.add_check([](const sim::Scenario& sc) {
    for (std::size_t c = 0; c < sc.clusters().size(); ++c) {
      for (int q = sc.calendar().first_quarter; q <= sc.calendar().last_quarter; ++q) {
        const TaxRules r = tax_rules_at(sc, q, c);
        const auto where =
            fmt::format("in {} for cluster {}", sim::quarter_label(q), sc.clusters()[c].id);
        const double top_rate =
            std::max({r.standard_rate, r.hnte_rate, r.small_rate_low, r.small_rate_high});
        const double top_deduction = std::max(r.deduction_general, r.deduction_tech_sme);
        if (rd_user_cost(top_rate, top_deduction) <= 0.0) {
          sc.fail_written(
              {"policy.rd_super_deduction", "policy.rd_super_deduction_tech_sme",
               "tax.standard_rate", "policy.hnte_tax_rate"},
              fmt::format("a tax rate of {:g} with a super-deduction of {:g} {} makes "
                          "the R&D user cost 1 - t (1 + theta) = {:g}, not positive: "
                          "the state would pay more than each yuan of R&D",
                          top_rate, top_deduction, where, rd_user_cost(top_rate, top_deduction)));
        }
        if (r.small_bracket > r.small_ceiling) {
          sc.fail_written({"tax.small_profit.bracket", "tax.small_profit.ceiling"},
                          fmt::format("the bracket ({:g}) exceeds the ceiling ({:g}) {}",
                                      r.small_bracket, r.small_ceiling, where));
        }
        if (r.hnte_small_sales >= r.hnte_large_sales) {
          sc.fail_written(
              {"policy.hnte.large_sales_limit", "policy.hnte.small_sales_limit"},
              fmt::format("the large sales limit ({:g}) must exceed the small one ({:g}) {}",
                          r.hnte_large_sales, r.hnte_small_sales, where));
        }
      }
    }
  });
}

}  // namespace models
