#include "models/world.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "models/cluster.hpp"
#include "models/firm.hpp"
#include "models/goals.hpp"
#include "models/tax.hpp"
#include "sim/parallel.hpp"
#include "sim/random.hpp"

namespace models {
namespace {

// Random stream phases: each names one use of randomness within a step.
enum Phase : std::uint64_t { kPhaseInit = 0, kPhaseDemand, kPhaseInnovation, kPhaseEntry };
// The starting state is drawn outside the run's steps.
constexpr std::uint64_t kInitStep = std::uint64_t{1} << 32;

// Per-cluster accumulators of a firm pass.
enum Sum : std::size_t {
  kSumSales,
  kSumRealOutput,
  kSumRdReal,
  kSumRdReported,
  kSumTax,
  kSumFiscalRd,
  kSumFiscalHnte,
  kSumHnte,
  kSumSalesTimesLogProductivity,
  kSumPatents,
  kSumBackbone,
  kSumSme,
  kSumStartup,
  kSumExits,
  kSumCount
};

class WorldReplicate final : public sim::Replicate {
 public:
  WorldReplicate(const sim::Scenario& scenario, std::uint64_t replicate);
  void step(int step) override;
  void record(std::span<double> out) const override;

 private:
  sim::RandomStream stream(std::uint64_t step, Phase phase, std::uint64_t agent) const {
    return sim::RandomStream(seed_, replicate_, step, phase, agent);
  }
  double& sum(std::size_t c, Sum s) { return sums_[c * kSumCount + s]; }
  double sum(std::size_t c, Sum s) const { return sums_[c * kSumCount + s]; }

  void initialise_firms(const std::vector<ClusterStart>& starts);
  void read_policy(int quarter);
  void update_demand(int step);
  void produce_and_pay_tax();
  void innovate(int step);
  void invest_and_age();
  void remove_exits();
  void enter(int step);
  void count_types();
  void rank_by_productivity();
  void accumulate(const std::function<void(std::size_t, double*)>& per_firm,
                  std::initializer_list<Sum> which);

  const sim::Scenario& scenario_;
  std::uint64_t seed_;
  std::uint64_t replicate_;
  std::size_t clusters_;
  FirmParams params_;
  FirmTable firms_;

  // Per cluster.
  std::vector<double> demand_shifter_, unit_cost_, required_return_, price_, real_output_,
      elasticity_;
  std::vector<double> base_growth_, growth_, volatility_, hightech_share_;
  std::vector<TaxRules> rules_;
  std::vector<double> entries_;
  std::vector<double> sums_;  // [cluster][Sum] of the current step

  // Firms grouped by cluster and sorted by productivity, for imitation.
  std::vector<std::size_t> ranked_, cluster_begin_, rank_;
  sim::BlockSums block_sums_;
  std::vector<double> combined_;
};

WorldReplicate::WorldReplicate(const sim::Scenario& scenario, std::uint64_t replicate)
    : scenario_(scenario),
      seed_(scenario.seed()),
      replicate_(replicate),
      clusters_(scenario.clusters().size()),
      params_(FirmParams::from(scenario)) {
  const auto starts = read_cluster_starts(scenario);
  demand_shifter_.assign(clusters_, 0.0);
  unit_cost_.assign(clusters_, 0.0);
  required_return_.assign(clusters_, 0.0);
  price_.assign(clusters_, 1.0);
  real_output_.assign(clusters_, 0.0);
  elasticity_.assign(clusters_, 0.0);
  base_growth_.assign(clusters_, 0.0);
  growth_.assign(clusters_, 0.0);
  volatility_.assign(clusters_, 0.0);
  hightech_share_.assign(clusters_, 0.0);
  rules_.assign(clusters_, TaxRules{});
  entries_.assign(clusters_, 0.0);
  sums_.assign(clusters_ * kSumCount, 0.0);
  const int q0 = scenario.calendar().first_quarter;
  for (std::size_t c = 0; c < clusters_; ++c) {
    elasticity_[c] = scenario.number("market.demand_elasticity", q0, c);
    base_growth_[c] = starts[c].demand_growth;
    hightech_share_[c] = scenario.clusters()[c].kind == "emerging"
                             ? scenario.number("firm.hightech_share.emerging")
                             : scenario.number("firm.hightech_share.traditional");
  }
  read_policy(q0);
  initialise_firms(starts);
}

void WorldReplicate::initialise_firms(const std::vector<ClusterStart>& starts) {
  const double turnover = scenario_.number("firm.initial_turnover");
  const double spread = scenario_.number("firm.initial_productivity_spread");
  const double tail = scenario_.number("firm.size_tail_exponent");
  const double cash_ratio = params_.entry_equity_ratio * 0.1;
  constexpr int kMaxInitialAge = 80;  // quarters: firms founded up to 20 years before the start
  for (std::size_t c = 0; c < clusters_; ++c) {
    const auto n = static_cast<std::size_t>(std::llround(starts[c].firms));
    if (n == 0 || starts[c].output <= 0) continue;
    const std::size_t first = firms_.agents.append(n);
    double size_total = 0.0;
    std::vector<double> hnte_clock_draw(n);
    for (std::size_t i = first; i < first + n; ++i) {
      auto rng = stream(kInitStep, kPhaseInit, firms_.agents.id[i]);
      firms_.cluster[i] = static_cast<std::uint16_t>(c);
      firms_.sales[i] = std::pow(rng.uniform(), -1.0 / tail);  // Pareto size, rescaled below
      size_total += firms_.sales[i];
      firms_.log_productivity[i] = std::log(turnover) + spread * rng.normal();
      firms_.age[i] = static_cast<std::int32_t>(rng.uniform() * kMaxInitialAge);
      firms_.hightech_products[i] = rng.bernoulli(hightech_share_[c]) ? 1 : 0;
      firms_.takeup_draw[i] = rng.uniform();
      hnte_clock_draw[i - first] = rng.uniform();
      firms_.alive[i] = 1;
    }
    const double quarterly_output = starts[c].output / 4.0;
    double capital_total = 0.0;
    for (std::size_t i = first; i < first + n; ++i) {
      firms_.sales[i] *= quarterly_output / size_total;
      firms_.capital[i] = firms_.sales[i] / std::exp(firms_.log_productivity[i]);
      firms_.cash[i] = cash_ratio * firms_.capital[i];
      firms_.sales_avg[i] = firms_.sales[i];
      capital_total += firms_.capital[i];
    }
    // Unit cost per yuan of capital (depreciation included) that gives the starting margin.
    const double turnover_c = quarterly_output / capital_total;
    unit_cost_[c] = (1.0 - params_.initial_margin) * turnover_c;
    required_return_[c] =
        balanced_growth_return(turnover_c, params_.initial_margin, base_growth_[c]);
    demand_shifter_[c] = quarterly_output;  // price 1 at the start
    for (std::size_t i = first; i < first + n; ++i) {
      const auto type = classify(4 * firms_.sales[i], firms_.age[i], params_);
      firms_.type[i] = static_cast<std::uint8_t>(type);
      const double nu = type == FirmType::Backbone ? params_.rd_share_backbone
                        : type == FirmType::Sme    ? params_.rd_share_sme
                                                   : params_.rd_share_startup;
      // The starting state is where the firm's own R&D rule puts it: firms for which bunching
      // at the HNTE threshold pays are certified, part-way through their term.
      const double sales = firms_.sales[i];
      const double k = firms_.capital[i];
      const TaxRules& r = rules_[c];
      const double profit = sales - unit_cost_[c] * k - nu * sales;
      const double rate = marginal_tax_rate(4 * profit, false, k, r);
      const double user_cost =
          rd_user_cost(rate, super_deduction(is_tech_sme(4 * sales, k, r),
                                             firms_.takeup_draw[i] < r.deduction_takeup, r));
      const RdPlan plan =
          firms_.hightech_products[i] != 0
              ? plan_rd_for_hnte(nu * sales, sales, hnte_intensity_threshold(4 * sales, r), profit,
                                 r.standard_rate - r.hnte_rate, user_cost,
                                 firms_.cash[i] + params_.collateral_ratio * k,
                                 params_.relabel_share)
              : RdPlan{nu * sales, nu * sales};
      firms_.rd_reported_avg[i] = plan.reported;
      firms_.profit[i] = sales - unit_cost_[c] * k - plan.real;
      if (firms_.hightech_products[i] != 0 &&
          plan.reported >= hnte_intensity_threshold(4 * sales, r) * sales) {
        // Certified at some point of the last term: the remaining quarters are uniform.
        const auto term = static_cast<double>(scenario_.integer("policy.hnte.status_quarters"));
        firms_.hnte_quarters_left[i] =
            1 + static_cast<std::int32_t>(hnte_clock_draw[i - first] * term);
      }
    }
  }
}

void WorldReplicate::read_policy(int quarter) {
  for (std::size_t c = 0; c < clusters_; ++c) {
    rules_[c] = tax_rules_at(scenario_, quarter, c);
    growth_[c] = base_growth_[c] + scenario_.number("market.demand_growth_adjust", quarter, c);
    volatility_[c] = scenario_.number("market.demand_volatility", quarter, c);
  }
}

void WorldReplicate::accumulate(const std::function<void(std::size_t, double*)>& per_firm,
                                std::initializer_list<Sum> which) {
  const std::size_t n = firms_.size();
  block_sums_.reset(n, clusters_ * kSumCount);
  sim::for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
    double* partial = block_sums_.block(b);
    for (std::size_t i = begin; i < end; ++i) {
      per_firm(i, partial + firms_.cluster[i] * kSumCount);
    }
  });
  block_sums_.combine(combined_);
  for (std::size_t c = 0; c < clusters_; ++c) {
    for (Sum s : which) sum(c, s) = combined_[c * kSumCount + s];
  }
}

void WorldReplicate::update_demand(int step) {
  accumulate(
      [&](std::size_t i, double* acc) {
        acc[kSumRealOutput] += std::exp(firms_.log_productivity[i]) * firms_.capital[i];
      },
      {kSumRealOutput});
  for (std::size_t c = 0; c < clusters_; ++c) {
    auto rng = stream(static_cast<std::uint64_t>(step), kPhaseDemand, sim::kClusterStreamBase + c);
    demand_shifter_[c] =
        next_demand_shifter(demand_shifter_[c], growth_[c], volatility_[c], rng.normal());
    real_output_[c] = sum(c, kSumRealOutput);
    price_[c] = clearing_price(demand_shifter_[c], real_output_[c], elasticity_[c]);
  }
}

void WorldReplicate::produce_and_pay_tax() {
  const FirmParams& p = params_;
  const int status_quarters = static_cast<int>(scenario_.integer("policy.hnte.status_quarters"));
  accumulate(
      [&](std::size_t i, double* acc) {
        const std::size_t c = firms_.cluster[i];
        const TaxRules& r = rules_[c];
        const double k = firms_.capital[i];
        const double sales = price_[c] * std::exp(firms_.log_productivity[i]) * k;
        const bool hnte = firms_.hnte_quarters_left[i] > 0;
        const auto type = static_cast<FirmType>(firms_.type[i]);

        // R&D budget at the firm's user cost, limited by what it can pay or borrow.
        const double marginal = marginal_tax_rate(4 * firms_.profit[i], hnte, k, r);
        const bool tech_sme = is_tech_sme(4 * firms_.sales_avg[i], k, r);
        const double deduction =
            super_deduction(tech_sme, firms_.takeup_draw[i] < r.deduction_takeup, r);
        const double user_cost = rd_user_cost(marginal, deduction);
        const double nu = type == FirmType::Backbone ? p.rd_share_backbone
                          : type == FirmType::Sme    ? p.rd_share_sme
                                                     : p.rd_share_startup;
        double rd =
            desired_rd(nu, sales, user_cost, p.rd_reference_user_cost, p.rd_user_cost_elasticity);
        if (type == FirmType::Startup) {
          rd = std::max(rd, p.startup_burn_rate * std::max(0.0, firms_.cash[i]));
        }
        const double liquidity = std::max(0.0, firms_.cash[i] + p.collateral_ratio * k);
        rd = std::min(rd, liquidity);
        double rd_reported = rd;
        // Firms seeking certification, or keeping the three-year average up for renewal, may
        // bunch at the threshold.
        if (firms_.hightech_products[i] != 0) {
          const RdPlan plan = plan_rd_for_hnte(
              rd, sales, hnte_intensity_threshold(4 * firms_.sales_avg[i], r), firms_.profit[i],
              r.standard_rate - r.hnte_rate, user_cost, liquidity, p.relabel_share);
          rd = plan.real;
          rd_reported = plan.reported;
        }

        const double interest = p.interest_rate * std::max(0.0, -firms_.cash[i]);
        const double profit = sales - unit_cost_[c] * k - rd - interest;
        const double taxable = profit - deduction * rd_reported;
        const double tax = annual_income_tax(4 * taxable, hnte, k, r) / 4;
        const double tax_without_deduction = annual_income_tax(4 * profit, hnte, k, r) / 4;
        const double tax_without_hnte = annual_income_tax(4 * taxable, false, k, r) / 4;

        firms_.sales[i] = sales;
        firms_.rd_real[i] = rd;
        firms_.rd_reported[i] = rd_reported;
        firms_.profit[i] = profit;
        firms_.tax[i] = tax;
        firms_.cash[i] += profit - tax + p.depreciation * k;  // depreciation is not paid out
        firms_.loss_quarters[i] = profit - tax < 0 ? firms_.loss_quarters[i] + 1 : 0;
        const double w = p.hnte_average_weight;
        firms_.rd_reported_avg[i] += w * (rd_reported - firms_.rd_reported_avg[i]);
        firms_.sales_avg[i] += w * (sales - firms_.sales_avg[i]);

        // Certification lapses after its term; a firm meeting the criteria is (re)certified.
        if (firms_.hnte_quarters_left[i] > 0) --firms_.hnte_quarters_left[i];
        if (firms_.hnte_quarters_left[i] == 0 && firms_.hightech_products[i] != 0 &&
            firms_.sales_avg[i] > 0 &&
            firms_.rd_reported_avg[i] >=
                hnte_intensity_threshold(4 * firms_.sales_avg[i], r) * firms_.sales_avg[i]) {
          firms_.hnte_quarters_left[i] = status_quarters;
        }

        acc[kSumSales] += sales;
        acc[kSumRdReal] += rd;
        acc[kSumRdReported] += rd_reported;
        acc[kSumTax] += tax;
        acc[kSumFiscalRd] += tax_without_deduction - tax;
        acc[kSumFiscalHnte] += tax_without_hnte - tax;
        acc[kSumHnte] += hnte ? 1.0 : 0.0;
        acc[kSumSalesTimesLogProductivity] += sales * firms_.log_productivity[i];
      },
      {kSumSales, kSumRdReal, kSumRdReported, kSumTax, kSumFiscalRd, kSumFiscalHnte, kSumHnte,
       kSumSalesTimesLogProductivity});
}

void WorldReplicate::rank_by_productivity() {
  const std::size_t n = firms_.size();
  cluster_begin_.assign(clusters_ + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++cluster_begin_[firms_.cluster[i] + 1];
  for (std::size_t c = 0; c < clusters_; ++c) cluster_begin_[c + 1] += cluster_begin_[c];
  ranked_.resize(n);
  rank_.resize(n);
  std::vector<std::size_t> next(cluster_begin_.begin(), cluster_begin_.end() - 1);
  for (std::size_t i = 0; i < n; ++i) ranked_[next[firms_.cluster[i]]++] = i;
  tbb::parallel_for(std::size_t{0}, clusters_, [&](std::size_t c) {
    const auto begin = ranked_.begin() + static_cast<std::ptrdiff_t>(cluster_begin_[c]);
    const auto end = ranked_.begin() + static_cast<std::ptrdiff_t>(cluster_begin_[c + 1]);
    std::sort(begin, end, [&](std::size_t x, std::size_t y) {
      const double ax = firms_.log_productivity[x], ay = firms_.log_productivity[y];
      return ax < ay || (ax == ay && firms_.agents.id[x] < firms_.agents.id[y]);
    });
    for (std::size_t j = cluster_begin_[c]; j < cluster_begin_[c + 1]; ++j) rank_[ranked_[j]] = j;
  });
}

void WorldReplicate::innovate(int step) {
  rank_by_productivity();
  const FirmParams& p = params_;
  accumulate(
      [&](std::size_t i, double* acc) {
        auto rng = stream(static_cast<std::uint64_t>(step), kPhaseInnovation, firms_.agents.id[i]);
        const double a = firms_.log_productivity[i];
        // Search effort is R&D relative to the firm's size (h / L-bar of MODEL.md, with the
        // firm's sales as its scale), so a large firm does not succeed every quarter by size.
        const double sales = firms_.sales[i];
        const double effort = sales > 0 ? firms_.rd_real[i] / sales : 0.0;
        double best = a;
        if (rng.uniform() < search_success(p.innovation_rate, p.innovation_share * effort)) {
          best = std::max(best, a + p.innovation_support * (2.0 * rng.beta33() - 1.0));
        }
        const std::size_t last = cluster_begin_[firms_.cluster[i] + 1] - 1;
        const std::size_t better = last - rank_[i];
        if (rng.uniform() < search_success(p.imitation_rate, (1.0 - p.innovation_share) * effort) &&
            better > 0) {
          const auto pick = static_cast<std::size_t>(rng.uniform() * static_cast<double>(better));
          const double target = firms_.log_productivity[ranked_[rank_[i] + 1 + pick]];
          best = std::max(best, a + p.imitation_gap_share * (target - a));
        }
        firms_.next_log_productivity[i] = best;
        acc[kSumPatents] += static_cast<double>(
            rng.poisson(expected_patents(firms_.rd_real[i], p.patent_scale, p.patent_elasticity)));
      },
      {kSumPatents});
  std::swap(firms_.log_productivity, firms_.next_log_productivity);
}

void WorldReplicate::invest_and_age() {
  const FirmParams& p = params_;
  sim::for_each_index(firms_.size(), [&](std::size_t i) {
    const std::size_t c = firms_.cluster[i];
    const double k = firms_.capital[i];
    const double productivity = std::exp(firms_.log_productivity[i]);
    const double share = real_output_[c] > 0 ? productivity * k / real_output_[c] : 0.0;
    const double rate =
        std::min(p.max_investment_rate,
                 nw_investment_rate(price_[c], productivity, unit_cost_[c] + required_return_[c],
                                    share, p.depreciation));
    const double investment =
        std::min(rate * k, std::max(0.0, firms_.cash[i] + p.collateral_ratio * k));
    firms_.cash[i] -= investment;
    firms_.capital[i] = (1.0 - p.depreciation) * k + investment;
    firms_.age[i] += 1;
    firms_.type[i] = static_cast<std::uint8_t>(classify(4 * firms_.sales[i], firms_.age[i], p));
    // Exit: negative net worth; for an established firm also a run of loss quarters (NW);
    // a startup lives on its equity until it can no longer pay or borrow.
    const bool insolvent = firms_.cash[i] + firms_.capital[i] < 0;
    const bool startup = firms_.age[i] < p.startup_age_quarters;
    const bool losing = startup ? firms_.cash[i] + p.collateral_ratio * firms_.capital[i] < 0
                                : firms_.loss_quarters[i] >= p.exit_loss_quarters;
    firms_.alive[i] = insolvent || losing ? 0 : 1;
  });
}

void WorldReplicate::remove_exits() {
  accumulate([&](std::size_t i, double* acc) { acc[kSumExits] += firms_.alive[i] == 0 ? 1 : 0; },
             {kSumExits});
  firms_.agents.compact(firms_.alive);
}

void WorldReplicate::enter(int step) {
  const FirmParams& p = params_;
  std::vector<double> incumbents(clusters_, 0.0);
  for (std::size_t i = 0; i < firms_.size(); ++i) incumbents[firms_.cluster[i]] += 1;
  for (std::size_t c = 0; c < clusters_; ++c) {
    entries_[c] = 0;
    if (incumbents[c] == 0) continue;
    auto cluster_rng =
        stream(static_cast<std::uint64_t>(step), kPhaseEntry, sim::kClusterStreamBase + c);
    const auto count = static_cast<std::size_t>(cluster_rng.poisson(p.entry_rate * incumbents[c]));
    if (count == 0) continue;
    entries_[c] = static_cast<double>(count);
    const double mean_a =
        sum(c, kSumSales) > 0 ? sum(c, kSumSalesTimesLogProductivity) / sum(c, kSumSales) : 0.0;
    const std::size_t first = firms_.agents.append(count);
    for (std::size_t i = first; i < first + count; ++i) {
      auto rng = stream(static_cast<std::uint64_t>(step), kPhaseEntry, firms_.agents.id[i]);
      firms_.cluster[i] = static_cast<std::uint16_t>(c);
      firms_.type[i] = static_cast<std::uint8_t>(FirmType::Startup);
      firms_.capital[i] = p.entry_capital;
      firms_.log_productivity[i] = mean_a + p.entry_productivity_spread * rng.normal();
      firms_.cash[i] = p.entry_equity_ratio * p.entry_capital;
      firms_.hightech_products[i] = rng.bernoulli(hightech_share_[c]) ? 1 : 0;
      firms_.takeup_draw[i] = rng.uniform();
      firms_.alive[i] = 1;
    }
  }
}

void WorldReplicate::count_types() {
  accumulate(
      [&](std::size_t i, double* acc) {
        switch (static_cast<FirmType>(firms_.type[i])) {
          case FirmType::Backbone:
            acc[kSumBackbone] += 1;
            break;
          case FirmType::Sme:
            acc[kSumSme] += 1;
            break;
          case FirmType::Startup:
            acc[kSumStartup] += 1;
            break;
        }
      },
      {kSumBackbone, kSumSme, kSumStartup});
}

void WorldReplicate::step(int step) {
  read_policy(scenario_.calendar().quarter_of_step(step));
  update_demand(step);
  produce_and_pay_tax();
  innovate(step);
  invest_and_age();
  remove_exits();
  enter(step);
  count_types();
}

void WorldReplicate::record(std::span<double> out) const {
  const std::size_t n = clusters_;
  for (std::size_t c = 0; c < n; ++c) {
    auto set = [&](Metric m, double value) { out[m * n + c] = value; };
    const double sales = sum(c, kSumSales);
    set(kOutputValue, 4 * sales);
    set(kFirmsBackbone, sum(c, kSumBackbone));
    set(kFirmsSme, sum(c, kSumSme));
    set(kFirmsStartup, sum(c, kSumStartup));
    set(kFirmEntries, entries_[c]);
    set(kFirmExits, sum(c, kSumExits));
    set(kRdSpend, sum(c, kSumRdReal));
    set(kRdReported, sum(c, kSumRdReported));
    set(kRdIntensity, sales > 0 ? sum(c, kSumRdReported) / sales : 0.0);
    set(kPatentsGranted, sum(c, kSumPatents));
    set(kHnteCount, sum(c, kSumHnte));
    set(kTaxPaid, sum(c, kSumTax));
    set(kFiscalCostRdDeduction, sum(c, kSumFiscalRd));
    set(kFiscalCostHnte, sum(c, kSumFiscalHnte));
    set(kPrice, price_[c]);
    set(kMeanLogProductivity, sales > 0 ? sum(c, kSumSalesTimesLogProductivity) / sales : 0.0);
  }
}

sim::Schema build_schema() {
  sim::Schema schema;
  sim::add_engine_settings(schema);
  add_cluster_settings(schema);
  add_firm_settings(schema);
  add_tax_settings(schema);
  add_goal_settings(schema);
  return schema;
}

}  // namespace

ClusterModel::ClusterModel() : schema_(build_schema()) {
  metrics_ = {
      {"output_value", "yuan/year", "cluster sales in the quarter, annualised (x4)"},
      {"firms_backbone", "firms", "firms with annual sales at or above firm.backbone_revenue"},
      {"firms_sme", "firms", "established firms below the backbone threshold"},
      {"firms_startup", "firms", "firms younger than firm.startup_age_quarters, not backbone"},
      {"firm_entries", "firms/quarter", "firms entering in the quarter"},
      {"firm_exits", "firms/quarter", "firms exiting in the quarter"},
      {"rd_spend", "yuan/quarter", "real R&D spending (excludes relabelled spending)"},
      {"rd_reported", "yuan/quarter", "R&D reported for tax, including relabelled spending"},
      {"rd_intensity", "1", "reported R&D over sales"},
      {"patents_granted", "patents/quarter", "invention patents granted in the quarter"},
      {"hnte_count", "firms", "firms holding HNTE certification in the quarter"},
      {"tax_paid", "yuan/quarter", "enterprise income tax paid"},
      {"fiscal_cost_rd_deduction", "yuan/quarter",
       "tax expenditure of the R&D super-deduction (tax forgone)"},
      {"fiscal_cost_hnte", "yuan/quarter", "tax expenditure of the HNTE reduced rate"},
      {"price", "1", "market price of the cluster's output (1 at the start)"},
      {"mean_log_productivity", "1", "sales-weighted mean log-productivity of firms"},
  };
}

std::unique_ptr<sim::Replicate> ClusterModel::start(const sim::Scenario& scenario,
                                                    std::uint64_t replicate) const {
  return std::make_unique<WorldReplicate>(scenario, replicate);
}

sim::GoalResults ClusterModel::evaluate_goals(const sim::Scenario& scenario,
                                              const sim::MetricsArray& metrics) const {
  sim::GoalResults out;
  out.goals = plan_goals(scenario);
  out.replicates = metrics.replicates();
  const std::size_t cells = out.goals.size() * out.replicates;
  out.value_at_deadline.assign(cells, 0.0);
  out.met.assign(cells, 0);
  out.first_met.assign(cells, 0.0);
  const std::size_t steps = metrics.steps(), clusters = metrics.clusters();
  const double mark = scenario.number("goals.output_mark");
  for (std::size_t r = 0; r < out.replicates; ++r) {
    const double* output = metrics.metric(kOutputValue) + r * steps * clusters;
    const auto count =
        clusters_over_mark(trailing_annual_output(output, steps, clusters), steps, clusters, mark);
    for (std::size_t g = 0; g < out.goals.size(); ++g) {
      evaluate_count_goal(count, scenario.calendar(), g, r, out);
    }
  }
  return out;
}

}  // namespace models
