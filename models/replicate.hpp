// One replicate of the plan's world: what all replicates of a scenario share (WorldSetup) and
// the state of one replicate with its phases (WorldReplicate). Private to models/: the engine
// sees them as sim::PreparedModel and sim::Replicate. The starting state and the records are in
// replicate.cpp, the phases of a quarter and their table in quarter.cpp; the markets a
// replicate owns (talent, incubators, funds) are in their own files.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "models/cluster.hpp"
#include "models/cluster_model.hpp"
#include "models/firm.hpp"
#include "models/fund.hpp"
#include "models/incubator.hpp"
#include "models/platform.hpp"
#include "models/policy.hpp"
#include "models/talent.hpp"
#include "models/tax.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/parallel.hpp"
#include "sim/core/random.hpp"
#include "sim/run/model.hpp"

namespace models {

// Random stream phases: each names one use of randomness within a step.
enum Phase : std::uint64_t {
  kPhaseInit = 0,
  kPhaseDemand,
  kPhaseInnovation,
  kPhaseEntry,
  kPhaseExit,
  kPhaseFunds,
  kPhaseTalent
};
// The starting state is drawn outside the run's steps.
constexpr std::uint64_t kInitStep = std::uint64_t{1} << 32;

// Per-cluster accumulators of the firm passes.
enum Sum : std::size_t {
  kSumSales,
  kSumRealOutput,
  kSumRdReal,
  kSumRdReported,
  kSumTax,
  kSumCostRd,
  kSumCostHnte,
  kSumCostTech,
  kSumCostPost,
  kSumCostPledge,
  kSumCostCollab,
  kSumCostRisk,
  kSumCostPhaseOut,
  kSumHnte,
  kSumSalesTimesLogProductivity,
  kSumPatents,
  kSumBackbone,
  kSumSme,
  kSumStartup,
  kSumExits,
  kSumRetired,
  kSumReleased,
  kSumReleasedProgramme,
  kSumReleasedKnowledge,
  kSumWantBackbone,
  kSumWantSme,
  kSumWantStartup,
  kSumEmployed,
  kSumEmployedProgramme,
  kSumTenants,
  kSumShortOfFunds,
  kSumCount
};

// What every replicate of a scenario shares: the starting data, the parameters, and the policy
// of every quarter and cluster, read from the scenario once.
class WorldSetup final : public sim::PreparedModel {
 public:
  explicit WorldSetup(const sim::Scenario& scenario);
  std::unique_ptr<sim::Replicate> start(std::uint64_t replicate,
                                        sim::StopFlags stop) const override;

  const sim::Scenario& scenario;
  std::size_t clusters;
  std::vector<ClusterStart> starts;
  FirmParams params;
  TalentParams talent;
  PlatformParams platform;
  IncubatorParams incubator;
  FundParams fund;
  PolicyCosts costs;
  std::vector<double> elasticity, hightech_share;  // per cluster
  std::vector<std::uint8_t> traditional;           // per cluster
  Eigen::MatrixXd links;                           // talent links between clusters
  // Per step and cluster, [step * clusters + cluster].
  std::vector<TaxRules> rules;
  std::vector<Levers> levers;
  std::vector<double> growth, volatility, amenity;
  std::vector<std::uint8_t> new_year;  // per step: first quarter of a calendar year
  int warm_up_quarters = 0;            // quarters run before the first, under its settings

  // Warm-up quarters are the negative steps -warm_up_quarters .. -1: they take the settings of
  // the first quarter (step 0).
  std::size_t at(int step, std::size_t c) const {
    return static_cast<std::size_t>(std::max(step, 0)) * clusters + c;
  }
  bool is_new_year(int step) const {
    if (step >= 0) return new_year[static_cast<std::size_t>(step)] != 0;
    const int quarter = scenario.calendar().first_quarter + step;
    return ((quarter % 4) + 4) % 4 == 0;
  }
};

class WorldReplicate;

// One metric, declared once: its index, name, unit and description, and how its value for a
// cluster is computed from the replicate's state at the end of a quarter.
struct MetricRow {
  Metric metric;
  std::string_view name;
  sim::MetricKind kind;
  std::string_view unit;
  std::string_view description;
  double (*value)(const WorldReplicate& world, std::size_t cluster);
};

class WorldReplicate final : public sim::Replicate {
 public:
  WorldReplicate(const WorldSetup& setup, std::uint64_t replicate, sim::StopFlags stop);
  void step(int step) override;
  void record(std::span<double> out) const override;
  sim::Snapshot snapshot() const override;
  sim::AgentCounts agents() const override;
  void time_phases(sim::PhaseTimes* times) override;
  void check_every_phase(bool on) override;

  // The metrics before the fiscal-cost lines, in metric order (checked at compile time); the
  // fiscal-cost metrics follow, one per ledger line (policy.hpp), then their total.
  static const std::array<MetricRow, kFiscalCostFirst>& metric_table();

 private:
  sim::RandomStream stream(std::uint64_t step, Phase phase, std::uint64_t agent) const {
    return sim::RandomStream(seed_, replicate_, step, phase, agent);
  }
  sim::RandomStream cluster_stream(int step, Phase phase, std::size_t c) const {
    return stream(static_cast<std::uint64_t>(step), phase, sim::kClusterStreamBase + c);
  }
  double& sum(std::size_t c, Sum s) { return sums_[c * kSumCount + s]; }
  double sum(std::size_t c, Sum s) const { return sums_[c * kSumCount + s]; }
  double& cost(std::size_t c, Ledger l) { return ledger_[c * kLedgerCount + l]; }
  double cost(std::size_t c, Ledger l) const { return ledger_[c * kLedgerCount + l]; }
  const Levers& levers(int step, std::size_t c) const { return setup_.levers[setup_.at(step, c)]; }
  // The goals' annual output value (models/goals.hpp, trailing_annual_output): the sales of the
  // last four recorded quarters, or of the quarters so far, annualised.
  void remember_sales(int step);
  double trailing_year_sales(std::size_t c) const;
  // Government money paid into (or returned by) the cluster's guide sub-funds and angel fund in
  // the quarter.
  double government_fund_money(std::size_t c, bool paid) const;
  // The levers of every cluster in a step.
  std::span<const Levers> levers(int step) const {
    return {setup_.levers.data() + setup_.at(step, 0), clusters_};
  }

  void initialise_firms();
  void initialise_talent();
  void initialise_incubators_and_platforms();
  // The warm start: warm_up_quarters of the model's own dynamics before the first quarter, then
  // each cluster's sales brought back to its data at the price the warm-up settled into.
  void warm_up();
  void anchor_to_data();

  // One phase of a quarter: its name (for `clustersim bench` and the error of a non-finite
  // value) and what it runs. Every phase takes the step, used or not, so that one table gives
  // both the order and the names.
  struct QuarterPhase {
    const char* name;
    void (WorldReplicate::*run)(int step);
  };
  static constexpr std::size_t kPhaseCount = 14;
  static const std::array<QuarterPhase, kPhaseCount> kPhases;  // in order (quarter.cpp)

  // The ledger starts empty; budgets fixed by their levers alone are booked first.
  void start_quarter(int step);
  void book_ip_protection_and_open_innovation_budgets(int step);
  void update_demand(int step);
  void plan_rd_and_labour(int step);
  void clear_talent_market(int step);
  // Cluster c's side of the talent market, from the labour plans of plan_rd_and_labour.
  ClusterLabour cluster_labour(int step, std::size_t c) const;
  void produce_and_pay_tax(int step);
  void pay_procurement(int step);
  void innovate(int step);
  // The firm i imitates: its incubator's host for a backbone-run tenant (with the host
  // imitation probability), else a random better firm of its cluster; firms_.size() if none.
  std::size_t imitation_target(std::size_t i, double host_draw, double pick_draw) const;
  void mark_phase_out(int step);
  void invest_age_and_test_exit(int step);
  void settle_exits(int step);
  void run_funds(int step);
  void run_platforms(int step);
  void enter(int step);
  void run_incubators(int step);
  void count_types(int step);

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
  TalentMarket talent_market_;
  // The market's pools, read-only: the records and checks read them, changes go through the
  // market.
  const TalentPools& talent_{talent_market_.pools()};
  IncubatorMarket incubators_;
  PlatformTable platforms_;
  FundMarket funds_;
  FundFlows fund_flows_;

  // Per cluster.
  std::vector<double> demand_shifter_, unit_cost_, required_return_, price_, real_output_;
  std::vector<double> entries_, founders_, graduates_;
  std::vector<double> mean_a_, frontier_;
  std::vector<double> rd_scale_;  // calibration of R&D budgets to the data, per cluster
  std::vector<PlatformEffects> platform_effects_;
  std::vector<double> platform_capital_;
  std::vector<double> sums_;    // [cluster][Sum] of the current step
  std::vector<double> ledger_;  // [cluster][Ledger] of the current step
  // Sales of the last four recorded quarters, [cluster][step % 4], and how many there are.
  std::vector<double> recent_sales_;
  std::size_t recent_quarters_ = 0, newest_slot_ = 0;

  ProductivityRanking ranking_;
  sim::PhaseTimes* phase_times_ = nullptr;
  bool check_every_phase_ = false;
  // Throws sim::NumericalError naming the quarter, the phase (nullptr: not isolated), and the
  // first firm or cluster value that is NaN or infinite.
  void check_finite(int step, const char* phase) const;
  sim::BlockSums block_sums_;
  sim::IndexFilter filter_;  // scratch of the scans over firms
  std::vector<double> combined_;
};

template <typename PerFirm>
void WorldReplicate::accumulate(PerFirm&& per_firm, std::initializer_list<Sum> which) {
  const std::size_t n = firms_.size();
  block_sums_.reset(n, clusters_ * kSumCount);
  sim::for_each_block(n, [&](std::size_t begin, std::size_t end, std::size_t b) {
    // A phase over a million firms takes a tenth of a second or more: a stop request skips
    // the blocks not yet started, and the replicate, now half-updated, is abandoned below.
    if (stop_requested()) return;
    double* partial = block_sums_.block(b);
    for (std::size_t i = begin; i < end; ++i) {
      per_firm(i, partial + firms_.cluster[i] * kSumCount);
    }
  });
  if (stop_requested()) throw sim::Cancelled();
  block_sums_.combine(combined_);
  for (std::size_t c = 0; c < clusters_; ++c) {
    for (Sum s : which) sum(c, s) = combined_[c * kSumCount + s];
  }
}

}  // namespace models
