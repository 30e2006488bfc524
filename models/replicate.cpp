#include "models/replicate.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "models/cluster_model.hpp"

namespace models {

namespace {
constexpr int kMaxInitialAge = 80;  // quarters: firms founded up to 20 years before the start
}  // namespace

WorldSetup::WorldSetup(const sim::Scenario& sc)
    : scenario(sc),
      clusters(sc.clusters().size()),
      starts(read_cluster_starts(sc)),
      params(FirmParams::from(sc)),
      talent(TalentParams::from(sc)),
      platform(PlatformParams::from(sc)),
      incubator(IncubatorParams::from(sc)),
      fund(FundParams::from(sc)),
      costs(PolicyCosts::from(sc)),
      warm_up_quarters(static_cast<int>(sc.integer("world.warm_up_quarters"))) {
  // Quarter counts are 16-bit (QuarterCount): the oldest starting firm ages through the run.
  if (kMaxInitialAge + sc.calendar().steps() > kMaxQuarterCount) {
    throw std::length_error("a run this long overflows the firms' 16-bit quarter counts");
  }
  const int q0 = sc.calendar().first_quarter;
  std::vector<std::string> regions;
  for (std::size_t c = 0; c < clusters; ++c) {
    elasticity.push_back(sc.number("market.demand_elasticity", q0, c));
    const bool emerging = sc.clusters()[c].kind == "emerging";
    hightech_share.push_back(emerging ? params.hightech_share_emerging
                                      : params.hightech_share_traditional);
    traditional.push_back(emerging ? 0 : 1);
    regions.push_back(sc.clusters()[c].region);
  }
  links = region_links(regions, talent.same_region_weight);
  for (int t = 0; t < sc.calendar().steps(); ++t) {
    const int q = sc.calendar().quarter_of_step(t);
    new_year.push_back(sim::quarter_label(q).ends_with("Q1") ? 1 : 0);
    for (std::size_t c = 0; c < clusters; ++c) {
      rules.push_back(tax_rules_at(sc, q, c));
      levers.push_back(levers_at(sc, q, c));
      const Demand demand = demand_at(sc, starts[c], q, c);
      growth.push_back(demand.growth);
      volatility.push_back(demand.volatility);
      amenity.push_back(sc.number("talent.amenity", q, c));
    }
  }
}

std::unique_ptr<sim::Replicate> WorldSetup::start(std::uint64_t replicate,
                                                  sim::StopFlags stop) const {
  return std::make_unique<WorldReplicate>(*this, replicate, stop);
}

WorldReplicate::WorldReplicate(const WorldSetup& setup, std::uint64_t replicate,
                               sim::StopFlags stop)
    : setup_(setup),
      params_(setup.params),
      seed_(setup.scenario.seed()),
      replicate_(replicate),
      clusters_(setup.clusters),
      talent_market_(setup.clusters, setup.talent, setup.links),
      incubators_(setup.clusters, setup.incubator),
      funds_(setup.clusters, setup.fund) {
  const std::size_t n = clusters_;
  demand_shifter_.assign(n, 0.0);
  unit_cost_.assign(n, 0.0);
  required_return_.assign(n, 0.0);
  price_.assign(n, 1.0);
  real_output_.assign(n, 0.0);
  entries_.assign(n, 0.0);
  founders_.assign(n, 0.0);
  graduates_.assign(n, 0.0);
  mean_a_.assign(n, 0.0);
  frontier_.assign(n, 0.0);
  rd_scale_.assign(n, 1.0);
  platform_effects_.assign(n, PlatformEffects{});
  platform_capital_.assign(n * kPlatformKinds, 0.0);
  sums_.assign(n * kSumCount, 0.0);
  ledger_.assign(n * kLedgerCount, 0.0);
  recent_sales_.assign(n * 4, 0.0);
  fund_flows_.reset(n);
  watch_stop(stop);
  initialise_firms();
  initialise_talent();
  initialise_incubators_and_platforms();
  warm_up();
}

void WorldReplicate::warm_up() {
  if (setup_.warm_up_quarters == 0) return;
  for (int w = setup_.warm_up_quarters; w >= 1; --w) step(-w);
  anchor_to_data();
}

void WorldReplicate::anchor_to_data() {
  const FirmParams& p = params_;
  std::vector<double> real(clusters_, 0.0);
  for (std::size_t i = 0; i < firms_.size(); ++i) {
    real[firms_.cluster[i]] += std::exp(firms_.log_productivity[i]) * firms_.capital[i];
  }
  // Each firm keeps the productivity, margin and price the warm-up settled into; its capital and
  // the money it holds or owes are scaled so that the cluster's sales are the data's, and the
  // demand level is set where it clears that output at the settled price.
  std::vector<double> scale(clusters_, 1.0);
  for (std::size_t c = 0; c < clusters_; ++c) {
    if (real[c] <= 0) continue;
    const double quarterly_output = setup_.starts[c].output / 4.0;
    scale[c] = quarterly_output / (price_[c] * real[c]);
    real_output_[c] = real[c] * scale[c];
    demand_shifter_[c] = real_output_[c] * std::pow(price_[c], setup_.elasticity[c]);
  }
  for (std::size_t i = 0; i < firms_.size(); ++i) {
    const std::size_t c = firms_.cluster[i];
    const double f = scale[c];
    for (auto* column : {&firms_.capital, &firms_.cash, &firms_.loss_pool, &firms_.sales,
                         &firms_.sales_avg, &firms_.rd_reported_avg, &firms_.rd_planned,
                         &firms_.rd_real, &firms_.rd_reported, &firms_.profit, &firms_.tax}) {
      (*column)[i] *= f;
    }
    firms_.type[i] = static_cast<std::uint8_t>(classify(4 * firms_.sales[i], firms_.age[i], p));
  }
}

void WorldReplicate::initialise_firms() {
  const FirmParams& p = params_;
  // Ids are handed out cluster by cluster first; then each cluster's firms are drawn and
  // calibrated on their own, in parallel (every draw is keyed by the firm's id).
  // One append for the whole world: growing the columns cluster by cluster copied and
  // page-faulted them again at each step, seconds for a million firms.
  std::vector<std::size_t> firsts(clusters_), counts(clusters_, 0);
  std::size_t total = 0;
  for (std::size_t c = 0; c < clusters_; ++c) {
    const ClusterStart& start = setup_.starts[c];
    const auto n = static_cast<std::size_t>(std::llround(start.firms));
    if (n == 0 || start.output <= 0) continue;
    firsts[c] = firms_.agents.size() + total;
    counts[c] = n;
    total += n;
  }
  firms_.agents.append(total);
  tbb::parallel_for(std::size_t{0}, clusters_, [&](std::size_t c) {
    const ClusterStart& start = setup_.starts[c];
    const std::size_t n = counts[c];
    // A cluster of a large world takes tens of milliseconds: a stop request skips the
    // clusters not yet started, and the half-drawn world is dropped below.
    if (n == 0 || stop_requested()) return;
    const std::size_t first = firsts[c];
    const double startup_share = std::min(1.0, start.startup_firms / start.firms);
    double size_total = 0.0;
    std::vector<double> hnte_clock_draw(n), loss_run_draw(n);
    for (std::size_t i = first; i < first + n; ++i) {
      auto rng = stream(kInitStep, kPhaseInit, firms_.agents.id[i]);
      firms_.cluster[i] = static_cast<std::uint16_t>(c);
      firms_.sales[i] =
          std::pow(rng.uniform(), -1.0 / params_.size_tail_exponent);  // Pareto, rescaled
      size_total += firms_.sales[i];
      firms_.log_productivity[i] =
          std::log(params_.initial_turnover) + params_.initial_productivity_spread * rng.normal();
      // Young firms make up the data's startup share; the rest are up to 20 years old.
      const double young = rng.uniform(), age = rng.uniform();
      firms_.age[i] = quarter_count(static_cast<int>(
          young < startup_share
              ? age * p.startup_age_quarters
              : p.startup_age_quarters + age * (kMaxInitialAge - p.startup_age_quarters)));
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
    const Levers& l = levers(0, c);
    // Calibration to the data's R&D intensity: the firms' R&D budgets (shares by type) are
    // scaled so that the cluster's planned real R&D at the start matches it.
    const auto plan_at = [&](std::size_t i, double scale) {
      const double sales = firms_.sales[i];
      const double k = firms_.capital[i];
      const auto type = classify(4 * sales, firms_.age[i], p);
      firms_.type[i] = static_cast<std::uint8_t>(type);
      const double profit_estimate = sales - unit_cost_[c] * k - scale * rd_share(type, p) * sales;
      const double credit = credit_limit(k, 0.0, type, l, p);
      return plan_quarter_rd(firms_, i, sales, profit_estimate, r, l, credit, p, scale).plan;
    };
    double unscaled = 0.0;
    for (std::size_t i = first; i < first + n; ++i) unscaled += plan_at(i, 1.0).real;
    rd_scale_[c] = start.rd_intensity > 0 && unscaled > 0
                       ? start.rd_intensity * quarterly_output / unscaled
                       : 1.0;
    double sales_a = 0.0, best_a = -std::numeric_limits<double>::infinity();
    for (std::size_t i = first; i < first + n; ++i) {
      // The starting state is where the firm's own rules put it: its R&D plan (firms for which
      // bunching pays are certified, part-way through their term) and, for a loss-maker, a
      // run of losses already under way, so that weak firms do not all leave in one quarter.
      const double sales = firms_.sales[i];
      const double k = firms_.capital[i];
      const RdPlan plan = plan_at(i, rd_scale_[c]);
      firms_.rd_planned[i] = plan.real;
      firms_.rd_reported_avg[i] = plan.reported;
      firms_.profit[i] = sales - unit_cost_[c] * k - plan.real;
      firms_.patent_stock[i] = expected_patents(plan.real, p.patent_scale, p.patent_elasticity) /
                               std::max(p.patent_obsolescence, 1e-3);
      if (firms_.hightech_products[i] != 0 && meets_hnte_intensity(plan.reported, sales, r)) {
        firms_.hnte_quarters_left[i] = quarter_count(
            1 + static_cast<int>(hnte_clock_draw[i - first] * p.hnte_status_quarters));
      }
      if (firms_.profit[i] < 0) {
        firms_.loss_quarters[i] =
            quarter_count(static_cast<int>(loss_run_draw[i - first] * p.exit_loss_quarters));
      }
      sales_a += sales * firms_.log_productivity[i];
      best_a = std::max(best_a, firms_.log_productivity[i]);
    }
    mean_a_[c] = sales_a / quarterly_output;
    frontier_[c] = best_a;
  });
  if (stop_requested()) throw sim::Cancelled();
}

void WorldReplicate::initialise_talent() {
  std::vector<double> planned(clusters_, 0.0), researchers(clusters_);
  for (std::size_t i = 0; i < firms_.size(); ++i)
    planned[firms_.cluster[i]] += firms_.rd_planned[i];
  for (std::size_t c = 0; c < clusters_; ++c) researchers[c] = setup_.starts[c].researchers;
  const std::vector<double> employed = talent_market_.open(researchers, planned, mean_a_);
  for (std::size_t i = 0; i < firms_.size(); ++i) {
    const std::size_t c = firms_.cluster[i];
    firms_.researchers[i] = planned[c] > 0 ? employed[c] * firms_.rd_planned[i] / planned[c] : 0.0;
  }
}

void WorldReplicate::initialise_incubators_and_platforms() {
  for (std::size_t c = 0; c < clusters_; ++c) {
    const ClusterStart& s = setup_.starts[c];
    const auto cluster = static_cast<std::uint16_t>(c);
    incubators_.open_starting(cluster, static_cast<std::size_t>(std::llround(s.incubators)),
                              s.incubator_capacity);
    // Starting platforms: the data's count and capital, kinds in the proportions of new
    // investment (key labs first).
    const auto count = static_cast<std::size_t>(std::llround(s.platforms));
    double cumulative = 0.0;
    std::size_t kind = 0;
    for (std::size_t j = 0; j < count; ++j) {
      while (kind + 1 < kPlatformKinds &&
             static_cast<double>(j) + 0.5 >
                 (cumulative + setup_.platform.kind_share[kind]) * static_cast<double>(count)) {
        cumulative += setup_.platform.kind_share[kind];
        ++kind;
      }
      const std::size_t i = platforms_.agents.append(1);
      platforms_.cluster[i] = cluster;
      platforms_.kind[i] = static_cast<std::uint8_t>(kind);
      platforms_.capital[i] = s.platform_capital / static_cast<double>(count);
    }
  }
  incubators_.admit_starting_startups(firms_);
  run_platforms(-1);
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <std::size_t N>
constexpr bool in_metric_order(const std::array<MetricRow, N>& rows) {
  for (std::size_t m = 0; m < N; ++m) {
    if (rows[m].metric != m || rows[m].value == nullptr) return false;
  }
  return true;
}

}  // namespace

const std::array<MetricRow, kFiscalCostFirst>& WorldReplicate::metric_table() {
  using W = const WorldReplicate&;
  using K = sim::MetricKind;
  // A cluster without firms has no market: its price and productivity are undefined.
  static constexpr std::array<MetricRow, kFiscalCostFirst> rows = {{
      {kOutputValue, "output_value", K::AnnualRate, "yuan/year", "cluster sales in the quarter, annualised (x4)",
       [](W w, std::size_t c) { return 4 * w.sum(c, kSumSales); }},
      {kFirmsBackbone, "firms_backbone", K::Stock, "firms",
       "firms with annual sales at or above firm.backbone_revenue",
       [](W w, std::size_t c) { return w.sum(c, kSumBackbone); }},
      {kFirmsSme, "firms_sme", K::Stock, "firms", "established firms below the backbone threshold",
       [](W w, std::size_t c) { return w.sum(c, kSumSme); }},
      {kFirmsStartup, "firms_startup", K::Stock, "firms",
       "firms younger than firm.startup_age_quarters, not backbone",
       [](W w, std::size_t c) { return w.sum(c, kSumStartup); }},
      {kFirmEntries, "firm_entries", K::Flow, "firms/quarter", "firms entering in the quarter",
       [](W w, std::size_t c) { return w.entries_[c]; }},
      {kFirmExits, "firm_exits", K::Flow, "firms/quarter", "firms exiting in the quarter",
       [](W w, std::size_t c) { return w.sum(c, kSumExits); }},
      {kRdSpend, "rd_spend", K::Flow, "yuan/quarter", "real R&D spending (excludes relabelled spending)",
       [](W w, std::size_t c) { return w.sum(c, kSumRdReal); }},
      {kRdReported, "rd_reported", K::Flow, "yuan/quarter",
       "R&D reported for tax, including relabelled spending",
       [](W w, std::size_t c) { return w.sum(c, kSumRdReported); }},
      {kRdIntensity, "rd_intensity", K::Ratio, "1", "reported R&D over sales",
       [](W w, std::size_t c) {
         const double sales = w.sum(c, kSumSales);
         return sales > 0 ? w.sum(c, kSumRdReported) / sales : 0.0;
       }},
      {kPatentsGranted, "patents_granted", K::Flow, "patents/quarter",
       "invention patents granted in the quarter",
       [](W w, std::size_t c) { return w.sum(c, kSumPatents); }},
      {kHnteCount, "hnte_count", K::Stock, "firms", "firms holding HNTE certification in the quarter",
       [](W w, std::size_t c) { return w.sum(c, kSumHnte); }},
      {kResearchers, "researchers", K::Stock, "persons",
       "researchers in the cluster, employed or seeking a job (FTE)",
       [](W w, std::size_t c) { return w.sum(c, kSumEmployed) + w.talent_.free[c]; }},
      {kResearchersEmployed, "researchers_employed", K::Stock, "persons",
       "researchers employed by the cluster's firms (FTE)",
       [](W w, std::size_t c) { return w.sum(c, kSumEmployed); }},
      {kResearcherInflow, "researcher_inflow", K::Flow, "persons/quarter",
       "graduates, talent-programme recruits and researchers moving in from other clusters",
       [](W w, std::size_t c) { return w.talent_.inflow[c]; }},
      {kResearcherOutflow, "researcher_outflow", K::Flow, "persons/quarter",
       "retirements, job seekers taking work outside research, and researchers moving to other "
       "clusters",
       [](W w, std::size_t c) { return w.talent_.outflow[c]; }},
      {kResearcherWage, "researcher_wage", K::Ratio, "yuan/quarter", "pay per researcher in the cluster",
       [](W w, std::size_t c) { return w.talent_.wage[c]; }},
      {kIncubatorTenants, "incubator_tenants", K::Stock, "firms",
       "firms in incubators at the end of the quarter",
       [](W w, std::size_t c) { return w.sum(c, kSumTenants); }},
      {kIncubatorGraduates, "incubator_graduates", K::Flow, "firms/quarter",
       "tenants graduating in the quarter", [](W w, std::size_t c) { return w.graduates_[c]; }},
      {kVcInvested, "vc_invested", K::Flow, "yuan/quarter",
       "equity invested in the cluster's firms by guide sub-funds, private VC and the angel fund",
       [](W w, std::size_t c) { return w.fund_flows_.invested[c]; }},
      {kGuideFundPrivateRaised, "guide_fund_private_raised", K::Flow, "yuan/quarter",
       "private money raised by new guide sub-funds of the cluster",
       [](W w, std::size_t c) { return w.fund_flows_.private_raised[c]; }},
      {kFundNav, "fund_nav", K::Stock, "yuan",
       "net asset value of the cluster's funds: cash plus stakes at valuation",
       [](W w, std::size_t c) { return w.fund_flows_.nav[c]; }},
      {kPlatformCapital, "platform_capital", K::Stock, "yuan", "capital of the cluster's R&D platforms",
       [](W w, std::size_t c) {
         double platforms = 0.0;
         for (std::size_t k = 0; k < kPlatformKinds; ++k)
           platforms += w.platform_capital_[c * kPlatformKinds + k];
         return platforms;
       }},
      {kTaxPaid, "tax_paid", K::Flow, "yuan/quarter", "enterprise income tax paid",
       [](W w, std::size_t c) { return w.sum(c, kSumTax); }},
      {kPrice, "price", K::Ratio, "1", "market price of the cluster's output (1 at the start)",
       [](W w, std::size_t c) { return w.real_output_[c] > 0 ? w.price_[c] : kNaN; }},
      {kMeanLogProductivity, "mean_log_productivity", K::Ratio, "1",
       "sales-weighted mean log-productivity of firms",
       [](W w, std::size_t c) {
         const double sales = w.sum(c, kSumSales);
         return w.real_output_[c] > 0 && sales > 0
                    ? w.sum(c, kSumSalesTimesLogProductivity) / sales
                    : kNaN;
       }},
      {kFirmsShortOfFunds, "firms_short_of_funds", K::Stock, "firms",
       "firms whose R&D or investment in the quarter was cut to the cash and credit they had",
       [](W w, std::size_t c) { return w.sum(c, kSumShortOfFunds); }},
      {kOutputValueTrailingYear, "output_value_trailing_year", K::TrailingYear, "yuan/year",
       "cluster sales over the four quarters ending with this one: the plan's annual output "
       "value, as the goals measure it (the first three quarters of a run: the quarters so far, "
       "annualised)",
       [](W w, std::size_t c) { return w.trailing_year_sales(c); }},
      {kFundGovPaidIn, "fund_gov_paid_in", K::Flow, "yuan/quarter",
       "government capital paid into the cluster's guide sub-funds and angel fund",
       [](W w, std::size_t c) { return w.government_fund_money(c, /*paid=*/true); }},
      {kFundGovDistributions, "fund_gov_distributions", K::Flow, "yuan/quarter",
       "distributions of the cluster's guide sub-funds and angel fund returned to government",
       [](W w, std::size_t c) { return w.government_fund_money(c, /*paid=*/false); }},
      {kFundGovNav, "fund_gov_nav", K::Stock, "yuan",
       "the government's claim on its funds' net asset value: its share of their cash and of "
       "each stake at valuation, split as a sale's proceeds would be",
       [](W w, std::size_t c) { return w.fund_flows_.gov_nav[c]; }},
  }};
  static_assert(in_metric_order(rows), "one row per metric before the fiscal costs, in order");
  return rows;
}

void WorldReplicate::record(std::span<double> out) const {
  const std::size_t n = clusters_;
  for (std::size_t c = 0; c < n; ++c) {
    auto set = [&](std::size_t m, double value) { out[m * n + c] = value; };
    for (const MetricRow& row : metric_table()) set(row.metric, row.value(*this, c));
    double total = 0.0;
    for (std::size_t l = 0; l < kLedgerCount; ++l) {
      const auto line = static_cast<Ledger>(l);
      set(fiscal_cost_metric(line), cost(c, line));
      total += cost(c, line);
    }
    set(kFiscalCostTotal, total);
  }
}

sim::Snapshot WorldReplicate::snapshot() const {
  sim::Snapshot s;
  s.columns = {"id",      "cluster",          "type",        "age",         "sales",
               "capital", "log_productivity", "rd_reported", "researchers", "hnte",
               "cash",    "short_of_funds"};
  const std::size_t n = firms_.size();
  s.values.assign(s.columns.size(), std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    s.values[0][i] = static_cast<double>(firms_.agents.id[i]);
    s.values[1][i] = firms_.cluster[i];
    s.values[2][i] = firms_.type[i];
    s.values[3][i] = firms_.age[i];
    s.values[4][i] = firms_.sales[i];
    s.values[5][i] = firms_.capital[i];
    s.values[6][i] = firms_.log_productivity[i];
    s.values[7][i] = firms_.rd_reported[i];
    s.values[8][i] = firms_.researchers[i];
    s.values[9][i] = firms_.hnte_quarters_left[i] > 0 ? 1.0 : 0.0;
    s.values[10][i] = firms_.cash[i];
    s.values[11][i] = firms_.short_of_funds[i];
  }
  return s;
}

}  // namespace models
