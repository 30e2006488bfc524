#include "models/world.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

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

// What every replicate of a scenario shares: the starting data, the parameters, and the policy
// of every quarter and cluster, read from the scenario once.
class WorldSetup final : public sim::PreparedModel {
 public:
  explicit WorldSetup(const sim::Scenario& scenario);
  std::unique_ptr<sim::Replicate> start(std::uint64_t replicate) const override;

  const sim::Scenario& scenario;
  std::size_t clusters;
  std::vector<ClusterStart> starts;
  FirmParams params;
  double initial_turnover, initial_spread, size_tail;
  std::vector<double> elasticity, hightech_share;  // per cluster
  // Per step and cluster, [step * clusters + cluster].
  std::vector<TaxRules> rules;
  std::vector<double> growth, volatility;

  std::size_t at(int step, std::size_t c) const {
    return static_cast<std::size_t>(step) * clusters + c;
  }
};

WorldSetup::WorldSetup(const sim::Scenario& sc)
    : scenario(sc),
      clusters(sc.clusters().size()),
      starts(read_cluster_starts(sc)),
      params(FirmParams::from(sc)),
      initial_turnover(sc.number("firm.initial_turnover")),
      initial_spread(sc.number("firm.initial_productivity_spread")),
      size_tail(sc.number("firm.size_tail_exponent")) {
  const int q0 = sc.calendar().first_quarter;
  for (std::size_t c = 0; c < clusters; ++c) {
    elasticity.push_back(sc.number("market.demand_elasticity", q0, c));
    hightech_share.push_back(sc.clusters()[c].kind == "emerging"
                                 ? sc.number("firm.hightech_share.emerging")
                                 : sc.number("firm.hightech_share.traditional"));
  }
  for (int t = 0; t < sc.calendar().steps(); ++t) {
    const int q = sc.calendar().quarter_of_step(t);
    for (std::size_t c = 0; c < clusters; ++c) {
      rules.push_back(tax_rules_at(sc, q, c));
      growth.push_back(starts[c].demand_growth + sc.number("market.demand_growth_adjust", q, c));
      volatility.push_back(sc.number("market.demand_volatility", q, c));
    }
  }
}

class WorldReplicate final : public sim::Replicate {
 public:
  WorldReplicate(const WorldSetup& setup, std::uint64_t replicate);
  void step(int step) override;
  void record(std::span<double> out) const override;

 private:
  sim::RandomStream stream(std::uint64_t step, Phase phase, std::uint64_t agent) const {
    return sim::RandomStream(seed_, replicate_, step, phase, agent);
  }
  double& sum(std::size_t c, Sum s) { return sums_[c * kSumCount + s]; }
  double sum(std::size_t c, Sum s) const { return sums_[c * kSumCount + s]; }

  void initialise_firms();
  void update_demand(int step);
  void produce_and_pay_tax(int step);
  void innovate(int step);
  void invest_age_and_test_exit();
  void enter(int step);
  void count_types();

  // Runs per_firm(i, accumulators of i's cluster) over all firms in parallel blocks and stores
  // the block-ordered per-cluster sums of `which`.
  template <typename PerFirm>
  void accumulate(PerFirm&& per_firm, std::initializer_list<Sum> which);

  const WorldSetup& setup_;
  const FirmParams& params_;
  std::uint64_t seed_;
  std::uint64_t replicate_;
  std::size_t clusters_;
  FirmTable firms_;

  // Per cluster.
  std::vector<double> demand_shifter_, unit_cost_, required_return_, price_, real_output_;
  std::vector<double> entries_;
  std::vector<double> sums_;  // [cluster][Sum] of the current step

  ProductivityRanking ranking_;
  sim::BlockSums block_sums_;
  std::vector<double> combined_;
};

std::unique_ptr<sim::Replicate> WorldSetup::start(std::uint64_t replicate) const {
  return std::make_unique<WorldReplicate>(*this, replicate);
}

WorldReplicate::WorldReplicate(const WorldSetup& setup, std::uint64_t replicate)
    : setup_(setup),
      params_(setup.params),
      seed_(setup.scenario.seed()),
      replicate_(replicate),
      clusters_(setup.clusters) {
  demand_shifter_.assign(clusters_, 0.0);
  unit_cost_.assign(clusters_, 0.0);
  required_return_.assign(clusters_, 0.0);
  price_.assign(clusters_, 1.0);
  real_output_.assign(clusters_, 0.0);
  entries_.assign(clusters_, 0.0);
  sums_.assign(clusters_ * kSumCount, 0.0);
  initialise_firms();
}

void WorldReplicate::initialise_firms() {
  const FirmParams& p = params_;
  constexpr int kMaxInitialAge = 80;  // quarters: firms founded up to 20 years before the start
  for (std::size_t c = 0; c < clusters_; ++c) {
    const ClusterStart& start = setup_.starts[c];
    const auto n = static_cast<std::size_t>(std::llround(start.firms));
    if (n == 0 || start.output <= 0) continue;
    const std::size_t first = firms_.agents.append(n);
    double size_total = 0.0;
    std::vector<double> hnte_clock_draw(n), loss_run_draw(n);
    for (std::size_t i = first; i < first + n; ++i) {
      auto rng = stream(kInitStep, kPhaseInit, firms_.agents.id[i]);
      firms_.cluster[i] = static_cast<std::uint16_t>(c);
      firms_.sales[i] = std::pow(rng.uniform(), -1.0 / setup_.size_tail);  // Pareto, rescaled
      size_total += firms_.sales[i];
      firms_.log_productivity[i] =
          std::log(setup_.initial_turnover) + setup_.initial_spread * rng.normal();
      firms_.age[i] = static_cast<std::int32_t>(rng.uniform() * kMaxInitialAge);
      firms_.hightech_products[i] = rng.bernoulli(setup_.hightech_share[c]) ? 1 : 0;
      firms_.takeup_draw[i] = rng.uniform();
      hnte_clock_draw[i - first] = rng.uniform();
      loss_run_draw[i - first] = rng.uniform();
      firms_.alive[i] = 1;
    }
    const double quarterly_output = start.output / 4.0;
    double capital_total = 0.0;
    for (std::size_t i = first; i < first + n; ++i) {
      firms_.sales[i] *= quarterly_output / size_total;
      firms_.capital[i] = firms_.sales[i] / std::exp(firms_.log_productivity[i]);
      firms_.cash[i] = p.initial_cash_ratio * firms_.capital[i];
      firms_.sales_avg[i] = firms_.sales[i];
      capital_total += firms_.capital[i];
    }
    // Unit cost per yuan of capital (depreciation included) that gives the starting margin.
    const double turnover = quarterly_output / capital_total;
    unit_cost_[c] = (1.0 - p.initial_margin) * turnover;
    required_return_[c] = balanced_growth_return(turnover, p.initial_margin, start.demand_growth);
    demand_shifter_[c] = quarterly_output;  // price 1 before the first quarter's growth
    const TaxRules& r = setup_.rules[setup_.at(0, c)];
    for (std::size_t i = first; i < first + n; ++i) {
      // The starting state is where the firm's own rules put it: its R&D plan (firms for which
      // bunching pays are certified, part-way through their term) and, for a loss-maker, a
      // run of losses already under way, so that weak firms do not all leave in one quarter.
      const double sales = firms_.sales[i];
      const double k = firms_.capital[i];
      const auto type = classify(4 * sales, firms_.age[i], p);
      firms_.type[i] = static_cast<std::uint8_t>(type);
      const double profit_estimate = sales - unit_cost_[c] * k - rd_share(type, p) * sales;
      const RdPlan plan = plan_quarter_rd(firms_, i, sales, profit_estimate, r, p).plan;
      firms_.rd_reported_avg[i] = plan.reported;
      firms_.profit[i] = sales - unit_cost_[c] * k - plan.real;
      if (firms_.hightech_products[i] != 0 && meets_hnte_intensity(plan.reported, sales, r)) {
        firms_.hnte_quarters_left[i] =
            1 + static_cast<std::int32_t>(hnte_clock_draw[i - first] * p.hnte_status_quarters);
      }
      if (firms_.profit[i] < 0) {
        firms_.loss_quarters[i] =
            static_cast<std::int32_t>(loss_run_draw[i - first] * p.exit_loss_quarters);
      }
    }
  }
}

template <typename PerFirm>
void WorldReplicate::accumulate(PerFirm&& per_firm, std::initializer_list<Sum> which) {
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
    const std::size_t at = setup_.at(step, c);
    demand_shifter_[c] = next_demand_shifter(demand_shifter_[c], setup_.growth[at],
                                             setup_.volatility[at], rng.normal());
    real_output_[c] = sum(c, kSumRealOutput);
    price_[c] = clearing_price(demand_shifter_[c], real_output_[c], setup_.elasticity[c]);
  }
}

void WorldReplicate::produce_and_pay_tax(int step) {
  const FirmParams& p = params_;
  accumulate(
      [&](std::size_t i, double* acc) {
        const std::size_t c = firms_.cluster[i];
        const TaxRules& r = setup_.rules[setup_.at(step, c)];
        const double k = firms_.capital[i];
        const double sales = price_[c] * std::exp(firms_.log_productivity[i]) * k;
        const bool hnte = firms_.hnte_quarters_left[i] > 0;
        const QuarterRd rd = plan_quarter_rd(firms_, i, sales, firms_.profit[i], r, p);

        const double interest = p.interest_rate * std::max(0.0, -firms_.cash[i]);
        const double profit = sales - unit_cost_[c] * k - rd.plan.real - interest;
        const double taxable = profit - rd.deduction * rd.plan.reported;
        const double tax = annual_income_tax(4 * taxable, hnte, k, r) / 4;
        const double tax_without_deduction = annual_income_tax(4 * profit, hnte, k, r) / 4;
        const double tax_without_hnte = annual_income_tax(4 * taxable, false, k, r) / 4;

        firms_.sales[i] = sales;
        firms_.rd_real[i] = rd.plan.real;
        firms_.rd_reported[i] = rd.plan.reported;
        firms_.profit[i] = profit;
        firms_.tax[i] = tax;
        firms_.cash[i] += profit - tax + p.depreciation * k;  // depreciation is not paid out
        firms_.loss_quarters[i] = profit - tax < 0 ? firms_.loss_quarters[i] + 1 : 0;
        const double w = p.hnte_average_weight;
        firms_.rd_reported_avg[i] += w * (rd.plan.reported - firms_.rd_reported_avg[i]);
        firms_.sales_avg[i] += w * (sales - firms_.sales_avg[i]);

        // Certification lapses after its term; a firm meeting the criteria is (re)certified.
        if (firms_.hnte_quarters_left[i] > 0) --firms_.hnte_quarters_left[i];
        if (firms_.hnte_quarters_left[i] == 0 && firms_.hightech_products[i] != 0 &&
            meets_hnte_intensity(firms_.rd_reported_avg[i], firms_.sales_avg[i], r)) {
          firms_.hnte_quarters_left[i] = p.hnte_status_quarters;
        }

        acc[kSumSales] += sales;
        acc[kSumRdReal] += rd.plan.real;
        acc[kSumRdReported] += rd.plan.reported;
        acc[kSumTax] += tax;
        acc[kSumFiscalRd] += tax_without_deduction - tax;
        acc[kSumFiscalHnte] += tax_without_hnte - tax;
        acc[kSumHnte] += hnte ? 1.0 : 0.0;
        acc[kSumSalesTimesLogProductivity] += sales * firms_.log_productivity[i];
      },
      {kSumSales, kSumRdReal, kSumRdReported, kSumTax, kSumFiscalRd, kSumFiscalHnte, kSumHnte,
       kSumSalesTimesLogProductivity});
}

void WorldReplicate::innovate(int step) {
  ranking_.build(firms_, clusters_);
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
        const std::size_t better = ranking_.better_than(i, firms_.cluster[i]);
        if (rng.uniform() < search_success(p.imitation_rate, (1.0 - p.innovation_share) * effort) &&
            better > 0) {
          const auto pick = std::min(
              better - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(better)));
          const double target = firms_.log_productivity[ranking_.better(i, pick)];
          best = std::max(best, a + p.imitation_gap_share * (target - a));
        }
        firms_.next_log_productivity[i] = best;
        acc[kSumPatents] += static_cast<double>(
            rng.poisson(expected_patents(firms_.rd_real[i], p.patent_scale, p.patent_elasticity)));
      },
      {kSumPatents});
  std::swap(firms_.log_productivity, firms_.next_log_productivity);
}

void WorldReplicate::invest_age_and_test_exit() {
  const FirmParams& p = params_;
  accumulate(
      [&](std::size_t i, double* acc) {
        const std::size_t c = firms_.cluster[i];
        const double k = firms_.capital[i];
        // The share uses this quarter's new productivity against the cluster's real output at
        // the start of the quarter.
        const double productivity = std::exp(firms_.log_productivity[i]);
        const double share = real_output_[c] > 0 ? productivity * k / real_output_[c] : 0.0;
        const double rate =
            std::min(p.max_investment_rate, nw_investment_rate(price_[c], productivity,
                                                               unit_cost_[c] + required_return_[c],
                                                               share, p.depreciation));
        const double investment =
            std::min(rate * k, std::max(0.0, firms_.cash[i] + p.collateral_ratio * k));
        firms_.cash[i] -= investment;
        firms_.capital[i] = (1.0 - p.depreciation) * k + investment;
        firms_.age[i] += 1;
        const auto type = classify(4 * firms_.sales[i], firms_.age[i], p);
        firms_.type[i] = static_cast<std::uint8_t>(type);
        // Exit: negative net worth; for an established firm also a run of loss quarters (NW);
        // a startup lives on its equity until it can no longer pay or borrow.
        const bool insolvent = firms_.cash[i] + firms_.capital[i] < 0;
        const bool losing = type == FirmType::Startup
                                ? firms_.cash[i] + p.collateral_ratio * firms_.capital[i] < 0
                                : firms_.loss_quarters[i] >= p.exit_loss_quarters;
        firms_.alive[i] = insolvent || losing ? 0 : 1;
        acc[kSumExits] += firms_.alive[i] == 0 ? 1.0 : 0.0;
      },
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
      firms_.hightech_products[i] = rng.bernoulli(setup_.hightech_share[c]) ? 1 : 0;
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
  update_demand(step);
  produce_and_pay_tax(step);
  innovate(step);
  invest_age_and_test_exit();
  enter(step);
  count_types();
}

void WorldReplicate::record(std::span<double> out) const {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const std::size_t n = clusters_;
  for (std::size_t c = 0; c < n; ++c) {
    auto set = [&](Metric m, double value) { out[m * n + c] = value; };
    const double sales = sum(c, kSumSales);
    // A cluster without firms has no market: its price and productivity are undefined.
    const bool active = real_output_[c] > 0;
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
    set(kPrice, active ? price_[c] : kNaN);
    set(kMeanLogProductivity,
        active && sales > 0 ? sum(c, kSumSalesTimesLogProductivity) / sales : kNaN);
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

std::unique_ptr<sim::PreparedModel> ClusterModel::prepare(const sim::Scenario& scenario) const {
  return std::make_unique<WorldSetup>(scenario);
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
