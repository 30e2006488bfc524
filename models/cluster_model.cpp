#include "models/cluster_model.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "models/cluster.hpp"
#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/goals.hpp"
#include "models/incubator.hpp"
#include "models/platform.hpp"
#include "models/replicate.hpp"
#include "models/stats.hpp"
#include "models/talent.hpp"
#include "models/tax.hpp"

namespace models {
namespace {

sim::Schema build_schema() {
  sim::Schema schema;
  sim::add_engine_settings(schema);
  add_cluster_settings(schema);
  add_firm_settings(schema);
  add_tax_settings(schema);
  add_policy_settings(schema);
  add_talent_settings(schema);
  add_platform_settings(schema);
  add_incubator_settings(schema);
  add_fund_settings(schema);
  add_goal_settings(schema);
  schema.add(sim::boolean("output.firm_snapshots", "false",
                          "Write every firm's state at the end of each year (Q4) to "
                          "/snapshots, for `clustersim stats`."));
  return schema;
}

}  // namespace

namespace {

// The metric list, in metric order: the table's rows, then one fiscal-cost metric per ledger
// line and their total.
std::vector<sim::MetricInfo> metric_list() {
  std::vector<sim::MetricInfo> list;
  for (const MetricRow& row : WorldReplicate::metric_table()) {
    list.push_back(
        {std::string(row.name), std::string(row.unit), std::string(row.description), row.kind});
  }
  for (const LedgerLine& line : ledger_lines()) {
    list.push_back({"fiscal_cost_" + std::string(line.name), "yuan/quarter",
                    std::string(line.description), sim::MetricKind::Flow});
  }
  list.push_back({"fiscal_cost_total", "yuan/quarter", "sum of every fiscal_cost_ line",
                  sim::MetricKind::Flow});
  return list;
}

}  // namespace

ClusterModel::ClusterModel() : schema_(build_schema()), metrics_(metric_list()) {}

std::unique_ptr<sim::PreparedModel> ClusterModel::prepare(const sim::Scenario& scenario) const {
  return std::make_unique<WorldSetup>(scenario);
}

namespace {

// Step of a quarter relative to the run's start (may be outside it).
int step_of(const sim::Scenario& sc, int quarter) {
  return quarter - sc.calendar().first_quarter;
}

// Sum over clusters and steps [0, last] of one metric of one replicate, /divisor per value.
double total_to(const sim::MetricsArray& m, std::size_t metric, std::size_t r, int last) {
  double total = 0.0;
  for (int t = 0; t <= last && t < static_cast<int>(m.steps()); ++t) {
    for (std::size_t c = 0; c < m.clusters(); ++c) {
      total += m.at(metric, r, static_cast<std::size_t>(t), c);
    }
  }
  return total;
}

}  // namespace

sim::GoalResults ClusterModel::evaluate_goals(const sim::Scenario& sc,
                                              const sim::MetricsArray& metrics) const {
  sim::GoalResults out;
  out.goals = plan_goals(sc);
  out.replicates = metrics.replicates();
  const std::size_t cells = out.goals.size() * out.replicates;
  out.value_at_deadline.assign(cells, 0.0);
  out.met.assign(cells, 0);
  out.first_met.assign(cells, 0.0);
  out.cost_to_deadline.assign(cells, 0.0);
  const std::size_t steps = metrics.steps(), clusters = metrics.clusters();
  const GoalParams goals = GoalParams::from(sc);
  const double mark = goals.output_mark;
  const CultivationTest& cultivated = goals.cultivated;
  const LeadingTest& leading = goals.leading;
  const int window_start = step_of(sc, goals.g2_window_start);
  // G2's growth is real: per step, the producer price level over the level the quarter before
  // the window (the same for every replicate and cluster, so worked out once).
  std::vector<double> price_change(steps, 1.0);
  if (window_start >= 1) {
    const auto price_level = [&](int step) {
      return sc.number("goals.g2.price_level", sc.calendar().first_quarter + step, 0);
    };
    const double before_window = price_level(window_start - 1);
    for (std::size_t t = 0; t < steps; ++t)
      price_change[t] = price_level(static_cast<int>(t)) / before_window;
  }
  for (std::size_t r = 0; r < out.replicates; ++r) {
    const auto block = [&](Metric m) { return metrics.metric(m) + r * steps * clusters; };
    const auto output = trailing_annual_output(block(kOutputValue), steps, clusters);
    const auto rd = trailing_annual_sum(block(kRdReported), steps, clusters);
    const auto patents = trailing_annual_sum(block(kPatentsGranted), steps, clusters);
    const double* researchers = block(kResearchersEmployed);
    const auto over_mark = clusters_over_mark(output, steps, clusters, mark);
    std::vector<double> new_clusters(steps, 0.0), leaders(steps, 0.0);
    for (std::size_t t = 0; t < steps; ++t) {
      const int before = window_start - 1;
      const auto it = static_cast<int>(t);
      for (std::size_t c = 0; c < clusters; ++c) {
        const std::size_t i = t * clusters + c;
        if (it >= window_start && before >= 0) {
          const double start = output[static_cast<std::size_t>(before) * clusters + c];
          const double years = static_cast<double>(it - before) / 4.0;
          const double intensity = output[i] > 0 ? rd[i] / output[i] : 0.0;
          new_clusters[t] +=
              is_newly_cultivated(start, output[i], years, intensity, cultivated, price_change[t])
                  ? 1.0
                  : 0.0;
        }
        leaders[t] +=
            is_innovation_leader(output[i], rd[i], patents[i], researchers[i], leading) ? 1.0 : 0.0;
      }
    }
    const std::array<const std::vector<double>*, 4> series = {&over_mark, &new_clusters, &over_mark,
                                                              &leaders};
    for (std::size_t g = 0; g < out.goals.size(); ++g) {
      evaluate_count_goal(*series[g], sc.calendar(), g, r, out);
      const int last = step_of(sc, goals.deadline[g]);
      out.cost_to_deadline[out.index(g, r)] = last < static_cast<int>(steps)
                                                  ? total_to(metrics, kFiscalCostTotal, r, last)
                                                  : std::numeric_limits<double>::quiet_NaN();
    }
  }
  return out;
}

std::vector<sim::MemoryItem> ClusterModel::memory_per_firm() const {
  return firm_memory_items();
}

// The report draws the goals' own output measure per cluster against the 100 bn yuan mark,
// and each ledger line's public money (models/README.md, "Whose money, and on what basis").
sim::ReportLayout ClusterModel::report_layout() const {
  sim::ReportLayout layout{"output_value_trailing_year", "goals.output_mark", {}};
  for (const LedgerLine& line : ledger_lines()) {
    layout.cost_metrics.push_back("fiscal_cost_" + std::string(line.name));
  }
  return layout;
}

std::vector<int> ClusterModel::snapshot_steps(const sim::Scenario& sc) const {
  if (!sc.flag("output.firm_snapshots")) return {};
  return fact_steps(sc);
}

std::string ClusterModel::diagnostics(const std::vector<sim::Snapshot>& snapshots,
                                      bool json) const {
  std::vector<std::string> dates;
  dates.reserve(snapshots.size());
  for (const auto& s : snapshots) dates.push_back(s.label);
  const StatsReport report = firm_stats(snapshots, dates);
  return json ? stats_json(report) : stats_text(report);
}

const std::vector<sim::MetricInfo>& ClusterModel::facts() const {
  return fact_infos();
}

std::vector<int> ClusterModel::fact_steps(const sim::Scenario& sc) const {
  std::vector<int> steps;
  for (int t = 0; t < sc.calendar().steps(); ++t) {
    if (sim::quarter_label(sc.calendar().quarter_of_step(t)).ends_with("Q4")) steps.push_back(t);
  }
  return steps;
}

std::vector<double> ClusterModel::fact_values(const std::vector<sim::Snapshot>& snapshots) const {
  std::vector<std::string> dates;
  dates.reserve(snapshots.size());
  for (const auto& s : snapshots) dates.push_back(s.label);
  return fact_values_of(firm_stats(snapshots, dates));
}

namespace {

// The national tax expenditures: tax national law forgoes, which the province does not pay.
constexpr std::array<Ledger, 3> kNationalTaxLines = {kCostRdSuperDeduction, kCostHnteTaxRate,
                                                     kCostTechTransferExemption};

double ratio_or_nan(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

std::vector<sim::ComparisonMeasure> ClusterModel::compare(
    const sim::Scenario& sc, const sim::MetricsArray& run,
    const sim::MetricsArray& counterfactual) const {
  const sim::MetricsArray& base = counterfactual;
  const std::size_t replicates = run.replicates(), steps = run.steps(), clusters = run.clusters();
  const int last = static_cast<int>(steps) - 1;
  const double mark = GoalParams::from(sc).output_mark;
  // Money is in yuan; reports print bn yuan. Each money measure names its basis.
  std::vector<sim::ComparisonMeasure> out = {
      {"output_gained", "yuan", "output gained over the run (sum of quarterly sales)", {}},
      {"public_money",
       "yuan",
       "public money spent beyond the counterfactual's, all of it: provincial budget plus "
       "national tax expenditure, funds at cost less distributions",
       {}},
      {"provincial_budget",
       "yuan",
       "provincial budget beyond the counterfactual's (funds at cost less distributions)",
       {}},
      {"national_tax_expenditure",
       "yuan",
       "national tax expenditure beyond the counterfactual's (R&D super-deduction, HNTE rate, "
       "technology-transfer exemption)",
       {}},
      {"fund_capital_gross",
       "yuan",
       "government capital committed to guide sub-funds and the angel fund, gross",
       {}},
      {"fund_capital_net",
       "yuan",
       "government capital committed to guide sub-funds and the angel fund, net of "
       "distributions and of its share of the funds' NAV at the run's end",
       {}},
      {"provincial_budget_net",
       "yuan",
       "provincial budget net of the government's share of fund NAV at the run's end",
       {}},
      {"output_per_public_yuan",
       "yuan/yuan",
       "output gained per yuan of public money (all of it, funds at cost less distributions)",
       {}},
      {"output_per_provincial_yuan",
       "yuan/yuan",
       "output gained per yuan of provincial budget (funds at cost less distributions)",
       {}},
      {"output_per_provincial_yuan_net",
       "yuan/yuan",
       "output gained per yuan of provincial budget net of fund NAV at the run's end",
       {}},
      {"rd_gained", "yuan", "real R&D gained over the run", {}},
      {"patents_gained", "patents", "invention patents gained over the run", {}},
      {"clusters_over_mark_gained",
       "clusters",
       "clusters over the output mark gained at the end",
       {}},
  };
  for (std::size_t r = 0; r < replicates; ++r) {
    const auto diff = [&](std::size_t metric) {
      return total_to(run, metric, r, last) - total_to(base, metric, r, last);
    };
    // A stock at the run's end (the government's claim on fund NAV), summed over clusters.
    const auto diff_at_end = [&](std::size_t metric) {
      const auto t = static_cast<std::size_t>(last);
      double difference = 0.0;
      for (std::size_t c = 0; c < clusters; ++c)
        difference += run.at(metric, r, t, c) - base.at(metric, r, t, c);
      return difference;
    };
    const double output = diff(kOutputValue) / 4.0;  // annualised quarterly values
    const double money = diff(kFiscalCostTotal);
    double national = 0.0;
    for (Ledger line : kNationalTaxLines) national += diff(fiscal_cost_metric(line));
    const double provincial = money - national;
    const double nav_at_end = diff_at_end(kFundGovNav);
    const double fund_gross = diff(kFundGovPaidIn);
    const double fund_net = fund_gross - diff(kFundGovDistributions) - nav_at_end;
    const double provincial_net = provincial - nav_at_end;
    const auto count_at_end = [&](const sim::MetricsArray& m) {
      const auto annual =
          trailing_annual_output(m.metric(kOutputValue) + r * steps * clusters, steps, clusters);
      return clusters_over_mark(annual, steps, clusters, mark).back();
    };
    const double values[] = {output,
                             money,
                             provincial,
                             national,
                             fund_gross,
                             fund_net,
                             provincial_net,
                             ratio_or_nan(output, money),
                             ratio_or_nan(output, provincial),
                             ratio_or_nan(output, provincial_net),
                             diff(kRdSpend),
                             diff(kPatentsGranted),
                             count_at_end(run) - count_at_end(base)};
    static_assert(std::size(values) == 13);
    for (std::size_t k = 0; k < out.size(); ++k) out[k].per_replicate.push_back(values[k]);
  }
  return out;
}

}  // namespace models
