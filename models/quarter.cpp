// The phases of one quarter, in the order WorldReplicate::step runs them (models/README.md,
// "One quarter, in order").
#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "models/budget_levers.hpp"
#include "models/replicate.hpp"
#include "sim/core/errors.hpp"

namespace models {

void WorldReplicate::update_demand(int step) {
  accumulate(
      [&](std::size_t i, double* acc) {
        acc[kSumRealOutput] += std::exp(firms_.log_productivity[i]) * firms_.capital[i];
      },
      {kSumRealOutput});
  for (std::size_t c = 0; c < clusters_; ++c) {
    auto rng = cluster_stream(step, kPhaseDemand, c);
    const std::size_t at = setup_.at(step, c);
    demand_shifter_[c] = next_demand_shifter(demand_shifter_[c], setup_.growth[at],
                                             setup_.volatility[at], rng.normal());
    real_output_[c] = sum(c, kSumRealOutput);
    price_[c] = clearing_price(demand_shifter_[c], real_output_[c], setup_.elasticity[c]);
  }
}

void WorldReplicate::plan_rd_and_labour(int step) {
  const FirmParams& p = params_;
  const TalentParams& tp = setup_.talent;
  accumulate(
      [&](std::size_t i, double* acc) {
        const std::size_t c = firms_.cluster[i];
        const TaxRules& r = setup_.rules[setup_.at(step, c)];
        const Levers& l = levers(step, c);
        const double k = firms_.capital[i];
        const auto type = static_cast<FirmType>(firms_.type[i]);
        // This quarter's sales, at the price just cleared: production below books the same.
        const double sales = price_[c] * std::exp(firms_.log_productivity[i]) * k;
        firms_.sales[i] = sales;
        const double credit = credit_limit(k, firms_.patent_stock[i], type, l, p);
        const QuarterRd rd =
            plan_quarter_rd(firms_, i, sales, firms_.profit[i], r, l, credit, p, rd_scale_[c]);
        firms_.rd_planned[i] = rd.plan.real;
        firms_.rd_reported[i] = rd.plan.reported;
        firms_.short_of_funds[i] = rd.short_of_funds ? 1 : 0;

        // Retirements, job changes, and layoffs down to the researchers the plan pays for.
        double& staff = firms_.researchers[i];
        double& programme = firms_.programme_researchers[i];
        const double programme_share = staff > 0 ? programme / staff : 0.0;
        const double retired = tp.retirement_rate * staff;
        const double quits = tp.quit_rate * (staff - retired);
        const double wanted = tp.labour_share * rd.plan.real / talent_.wage[c];
        const double kept = std::min(staff - retired - quits, wanted);
        const double released = staff - retired - kept;
        staff = kept;
        programme = programme_share * kept;
        firms_.hires_wanted[i] = std::max(0.0, wanted - kept);

        acc[kSumRetired] += retired;
        acc[kSumReleased] += released;
        acc[kSumReleasedProgramme] += programme_share * released;
        acc[kSumReleasedKnowledge] += released * firms_.log_productivity[i];
        acc[kSumWantBackbone + static_cast<std::size_t>(type)] += firms_.hires_wanted[i];
        acc[kSumEmployed] += kept;
        acc[kSumEmployedProgramme] += programme;
      },
      {kSumRetired, kSumReleased, kSumReleasedProgramme, kSumReleasedKnowledge, kSumWantBackbone,
       kSumWantSme, kSumWantStartup, kSumEmployed, kSumEmployedProgramme});
}

void WorldReplicate::clear_talent_market(int step) {
  std::vector<ClusterLabour> labour(clusters_);
  for (std::size_t c = 0; c < clusters_; ++c) labour[c] = cluster_labour(step, c);
  talent_market_.clear(labour,
                       [&](std::size_t c) { return cluster_stream(step, kPhaseTalent, c); });
  for (std::size_t c = 0; c < clusters_; ++c) {
    cost(c, kCostTalentProgramme) = talent_.paid_recruits[c] * setup_.costs.talent_cost_per_recruit;
  }
  founders_ = talent_.founders;
}

ClusterLabour WorldReplicate::cluster_labour(int step, std::size_t c) const {
  ClusterLabour l;
  l.retired = sum(c, kSumRetired);
  l.employed = sum(c, kSumEmployed);
  l.released = sum(c, kSumReleased);
  l.released_programme = sum(c, kSumReleasedProgramme);
  l.released_knowledge = sum(c, kSumReleasedKnowledge);
  l.wanted = {sum(c, kSumWantBackbone), sum(c, kSumWantSme), sum(c, kSumWantStartup)};
  l.recruits = levers(step, c).talent_recruits / 4.0;
  l.mean_log_productivity = mean_a_[c];
  l.frontier = frontier_[c];
  l.real_output = real_output_[c];
  l.amenity = setup_.amenity[setup_.at(step, c)];
  return l;
}

void WorldReplicate::produce_and_pay_tax(int step) {
  const FirmParams& p = params_;
  const PolicyCosts& pc = setup_.costs;
  const double labour_share = setup_.talent.labour_share;
  accumulate(
      [&](std::size_t i, double* acc) {
        const std::size_t c = firms_.cluster[i];
        const TaxRules& r = setup_.rules[setup_.at(step, c)];
        const Levers& l = levers(step, c);
        const auto type = static_cast<FirmType>(firms_.type[i]);
        const double k = firms_.capital[i];

        // Hires from the pool; R&D happens as far as researchers could be found.
        const double wanted = firms_.researchers[i] + firms_.hires_wanted[i];
        const Hiring& hiring = talent_market_.hiring(c);
        const double hired = firms_.hires_wanted[i] * hiring.fill[static_cast<std::size_t>(type)];
        firms_.hires_made[i] = hired;
        firms_.researchers[i] += hired;
        firms_.programme_researchers[i] += hired * hiring.programme_share;
        const double planned = firms_.rd_planned[i];
        const double rd_real =
            realised_rd(planned, labour_share, talent_.wage[c], firms_.researchers[i], wanted);
        const double rd_reported = rd_real + (firms_.rd_reported[i] - planned);

        const double sales = firms_.sales[i];  // priced in plan_rd_and_labour
        const bool hnte = firms_.hnte_quarters_left[i] > 0;
        const double licence = p.licence_income_per_patent / 4 * firms_.patent_stock[i];
        const double post_subsidy = firms_.post_subsidy_due[i];
        firms_.post_subsidy_due[i] = 0.0;
        const double cofunding = pc.collaboration_cofunding * l.collaboration * rd_real;
        const double debt = std::max(0.0, -firms_.cash[i]);
        const double pledged = std::min(debt, l.ip_pledge * firms_.patent_stock[i]);
        const double pledge_subsidy = pc.ip_pledge_interest_subsidy * p.interest_rate * pledged;
        const double interest = p.interest_rate * debt - pledge_subsidy;
        const double profit = sales + licence - unit_cost_[c] * k - rd_real - interest;

        // Subsidies are non-taxable income, so the R&D they pay for is not deductible.
        const double subsidised_rd = std::min(rd_real, post_subsidy + cofunding);
        const QuarterTax qt =
            firm_quarter_tax(firms_, i, profit, rd_reported, licence, r, subsidised_rd);
        const double tax = qt.tax;
        firms_.loss_pool[i] = qt.carry.pool;
        firms_.loss_pool_age[i] = quarter_count(qt.carry.age);

        firms_.rd_real[i] = rd_real;
        firms_.rd_reported[i] = rd_reported;
        firms_.profit[i] = profit;
        firms_.tax[i] = tax;
        // Depreciation is not paid out; subsidies are untaxed cash.
        firms_.cash[i] += profit - tax + p.depreciation * k + post_subsidy + cofunding;
        firms_.loss_quarters[i] = quarter_count(
            profit - tax + post_subsidy + cofunding < 0 ? firms_.loss_quarters[i] + 1 : 0);
        const double w = p.hnte_average_weight;
        firms_.rd_reported_avg[i] += w * (rd_reported - firms_.rd_reported_avg[i]);
        firms_.sales_avg[i] += w * (sales - firms_.sales_avg[i]);

        firms_.hnte_quarters_left[i] = quarter_count(hnte_quarters_after(
            firms_.hnte_quarters_left[i], firms_.hightech_products[i] != 0,
            firms_.rd_reported_avg[i], firms_.sales_avg[i], p.hnte_status_quarters, r));

        acc[kSumSales] += sales;
        acc[kSumRdReal] += rd_real;
        acc[kSumRdReported] += rd_reported;
        acc[kSumTax] += tax;
        acc[kSumCostRd] += qt.without_deduction - tax;
        acc[kSumCostHnte] += qt.without_hnte - tax;
        acc[kSumCostTech] += qt.without_relief - tax;
        acc[kSumCostPost] += post_subsidy;
        acc[kSumCostPledge] += pledge_subsidy;
        acc[kSumCostCollab] += cofunding;
        acc[kSumHnte] += hnte ? 1.0 : 0.0;
        acc[kSumSalesTimesLogProductivity] += sales * firms_.log_productivity[i];
      },
      {kSumSales, kSumRdReal, kSumRdReported, kSumTax, kSumCostRd, kSumCostHnte, kSumCostTech,
       kSumCostPost, kSumCostPledge, kSumCostCollab, kSumHnte, kSumSalesTimesLogProductivity});
  for (std::size_t c = 0; c < clusters_; ++c) {
    if (sum(c, kSumSales) > 0)
      mean_a_[c] = sum(c, kSumSalesTimesLogProductivity) / sum(c, kSumSales);
    cost(c, kCostRdSuperDeduction) = sum(c, kSumCostRd);
    cost(c, kCostHnteTaxRate) = sum(c, kSumCostHnte);
    cost(c, kCostTechTransferExemption) = sum(c, kSumCostTech);
    cost(c, kCostPostSubsidy) = sum(c, kSumCostPost);
    cost(c, kCostIpPledge) = sum(c, kSumCostPledge);
    cost(c, kCostCollaboration) = sum(c, kSumCostCollab);
  }
}

void WorldReplicate::pay_procurement(int /*step*/) {
  incubators_.pay_procurement(firms_);
}

std::size_t WorldReplicate::imitation_target(std::size_t i, double host_draw,
                                             double pick_draw) const {
  if (host_draw < setup_.incubator.host_imitation_prob) {
    const std::size_t host = incubators_.host_of(firms_, i);
    if (host != firms_.size()) return host;
  }
  const std::size_t better = ranking_.better_than(i, firms_.cluster[i]);
  if (better == 0) return firms_.size();
  const auto k =
      std::min(better - 1, static_cast<std::size_t>(pick_draw * static_cast<double>(better)));
  return ranking_.better(i, k);
}

void WorldReplicate::innovate(int step) {
  ranking_.build(firms_, clusters_);
  const FirmParams& p = params_;
  const IncubatorParams& ip = setup_.incubator;
  const double transfer = setup_.talent.knowledge_transfer;
  const double programme_skill = setup_.talent.programme_skill;
  accumulate(
      [&](std::size_t i, double* acc) {
        auto rng = stream(static_cast<std::uint64_t>(step), kPhaseInnovation, firms_.agents.id[i]);
        const std::size_t c = firms_.cluster[i];
        const Levers& l = levers(step, c);
        const auto type = static_cast<FirmType>(firms_.type[i]);
        const double staff = firms_.researchers[i];
        // New hires bring part of what their former employers knew.
        const double hired_share = staff > 0 ? std::min(1.0, firms_.hires_made[i] / staff) : 0.0;
        const double a0 = firms_.log_productivity[i];
        const double a =
            a0 + transfer * hired_share * std::max(0.0, talent_market_.hiring(c).knowledge - a0);

        // Search effort: R&D intensity times the effective labour it buys (skill, platforms,
        // collaboration); incubator services add to tenants' innovation.
        const double sales = firms_.sales[i];
        const double intensity = sales > 0 ? firms_.rd_real[i] / sales : 0.0;
        const PlatformEffects& pe = platform_effects_[c];
        const double labour =
            average_skill(staff, firms_.programme_researchers[i], programme_skill) *
            (1.0 + pe.labour + (type == FirmType::Backbone ? 0.0 : pe.shared)) *
            (1.0 + p.collaboration_effect * l.collaboration);
        const bool tenant = firms_.incubator[i] != 0;
        const double effort = intensity * labour;
        const double innovation_effort =
            p.innovation_share * effort * (tenant ? 1.0 + ip.innovation_boost : 1.0);
        const double imitation_effort = (1.0 - p.innovation_share) * effort;

        double best = a;
        if (rng.uniform() < search_success(p.innovation_rate, innovation_effort)) {
          const double step_size = p.innovation_support * (2.0 * rng.beta33() - 1.0) +
                                   pe.opportunity +
                                   p.frontier_pull * std::max(0.0, frontier_[c] - a);
          if (step_size > 0) best = a + step_size;
          if (step_size >= p.breakthrough_threshold) {
            firms_.post_subsidy_due[i] = l.post_subsidy_rate * firms_.rd_real[i];
          }
        }
        // Imitation: a tenant of a backbone-run incubator often copies its host, others a
        // random better firm of the cluster; patents held by the target make it harder.
        const double imitation_draw = rng.uniform();
        const double pick_draw = rng.uniform();
        const double host_draw = rng.uniform();
        const std::size_t target = imitation_target(i, host_draw, pick_draw);
        const double imitation_success = search_success(p.imitation_rate, imitation_effort);
        if (target != firms_.size()) {
          const double protection =
              imitation_protection(firms_.patent_stock[target], l.ip_protection, p);
          if (imitation_draw < protection * imitation_success) {
            best = std::max(best, imitated_log_productivity(a, firms_.log_productivity[target], p));
          }
        }
        // Open innovation: imitation toward the frontier outside the cluster.
        if (rng.uniform() < l.open_innovation * imitation_success) {
          const double outside = frontier_[c] + p.open_innovation_gap;
          best = std::max(best, imitated_log_productivity(a, outside, p));
        }
        firms_.next_log_productivity[i] = best;
        const auto patents = static_cast<double>(
            rng.poisson(expected_patents(firms_.rd_real[i], p.patent_scale, p.patent_elasticity)));
        firms_.patents_granted[i] = patents;
        acc[kSumPatents] += patents;
      },
      {kSumPatents});
  // Only now: imitators above read their targets' patent stocks as they were at the start of
  // the quarter, whichever thread updates which firm first.
  sim::for_each_index(firms_.size(), [&](std::size_t i) {
    firms_.patent_stock[i] =
        (1.0 - p.patent_obsolescence) * firms_.patent_stock[i] + firms_.patents_granted[i];
  });
  // The frontier never lags the cluster's best firm, and its key labs push it beyond: the growth
  // is added after the catch-up, so that a cluster whose firms lead the frontier still gains
  // from its labs.
  for (std::size_t c = 0; c < clusters_; ++c) {
    if (ranking_.begin[c + 1] > ranking_.begin[c]) {
      const std::size_t best = ranking_.ranked[ranking_.begin[c + 1] - 1];
      frontier_[c] = std::max(frontier_[c], firms_.log_productivity[best]);
    }
    frontier_[c] += platform_effects_[c].frontier_growth;
  }
  std::swap(firms_.log_productivity, firms_.next_log_productivity);
}

void WorldReplicate::mark_phase_out(int step) {
  std::fill(firms_.forced_out.begin(), firms_.forced_out.end(), std::uint8_t{0});
  if (!setup_.is_new_year(step)) return;
  for (std::size_t c = 0; c < clusters_; ++c) {
    const double share = levers(step, c).phase_out_share;
    if (setup_.traditional[c] == 0 || share <= 0) continue;
    // The least productive firms by the ranking of this quarter's innovation phase.
    const std::size_t n = ranking_.begin[c + 1] - ranking_.begin[c];
    const auto closed = static_cast<std::size_t>(std::floor(share * static_cast<double>(n)));
    for (std::size_t k = 0; k < closed; ++k)
      firms_.forced_out[ranking_.ranked[ranking_.begin[c] + k]] = 1;
  }
}

void WorldReplicate::invest_age_and_test_exit(int step) {
  const FirmParams& p = params_;
  const double compensation = setup_.costs.phase_out_compensation;
  const double hazard_reduction = setup_.incubator.hazard_reduction;
  accumulate(
      [&](std::size_t i, double* acc) {
        const std::size_t c = firms_.cluster[i];
        const Levers& l = levers(step, c);
        const double k = firms_.capital[i];
        // The share uses this quarter's new productivity against the cluster's real output at
        // the start of the quarter.
        const double productivity = std::exp(firms_.log_productivity[i]);
        const double share = real_output_[c] > 0 ? productivity * k / real_output_[c] : 0.0;
        const auto old_type = static_cast<FirmType>(firms_.type[i]);
        const double max_rate =
            old_type == FirmType::Startup ? p.startup_max_investment_rate : p.max_investment_rate;
        const double rate =
            std::min(max_rate, nw_investment_rate(price_[c], productivity,
                                                  unit_cost_[c] + required_return_[c], share,
                                                  p.depreciation));
        const double credit = credit_limit(k, firms_.patent_stock[i], old_type, l, p);
        // Pecking order: retained cash first, then bank credit up to the limit.
        const double funds = std::max(0.0, firms_.cash[i] + credit);
        if (rate * k > funds) firms_.short_of_funds[i] = 1;
        const double investment = std::min(rate * k, funds);
        firms_.cash[i] -= investment;
        firms_.capital[i] = (1.0 - p.depreciation) * k + investment;
        firms_.cash[i] -= dividend(firms_.cash[i], firms_.capital[i], old_type, p);
        acc[kSumShortOfFunds] += firms_.short_of_funds[i];
        firms_.age[i] = quarter_count(firms_.age[i] + 1);
        if (firms_.incubator[i] != 0) {
          firms_.tenant_quarters[i] = quarter_count(firms_.tenant_quarters[i] + 1);
        }
        const auto type = classify(4 * firms_.sales[i], firms_.age[i], p);
        firms_.type[i] = static_cast<std::uint8_t>(type);
        // Exit: negative net worth; for an established firm also a run of loss quarters (NW);
        // a startup lives on its equity until it can no longer pay or borrow, and faces a
        // failure hazard that an incubator lowers; the phase-out closes the least productive.
        const double cap = firms_.capital[i];
        const bool insolvent = firms_.cash[i] + cap < 0;
        const bool tenant = firms_.incubator[i] != 0;
        const double hazard = type == FirmType::Startup
                                  ? p.startup_hazard * (tenant ? 1.0 - hazard_reduction : 1.0)
                                  : 0.0;
        // The hazard's draw is the phase's only one: without a hazard (all but startups) it
        // could never fail, so its random block is not computed.
        const bool failed =
            hazard > 0 &&
            stream(static_cast<std::uint64_t>(step), kPhaseExit, firms_.agents.id[i]).uniform() <
                hazard;
        const bool losing =
            type == FirmType::Startup
                ? firms_.cash[i] + credit_limit(cap, firms_.patent_stock[i], type, l, p) < 0
                : firms_.loss_quarters[i] >= p.exit_loss_quarters;
        const bool forced = firms_.forced_out[i] != 0;
        firms_.alive[i] = insolvent || losing || failed || forced ? 0 : 1;
        if (firms_.alive[i] != 0) return;
        acc[kSumExits] += 1.0;
        if (forced) acc[kSumCostPhaseOut] += compensation * cap;
        if (type != FirmType::Backbone) {
          acc[kSumCostRisk] +=
              l.risk_compensation * default_loss(firms_.cash[i], cap, p.loan_recovery);
        }
        // Its researchers look for work again.
        const double staff = firms_.researchers[i];
        acc[kSumReleased] += staff;
        acc[kSumReleasedProgramme] += firms_.programme_researchers[i];
        acc[kSumReleasedKnowledge] += staff * firms_.log_productivity[i];
      },
      {kSumExits, kSumCostPhaseOut, kSumCostRisk, kSumReleased, kSumReleasedProgramme,
       kSumReleasedKnowledge, kSumShortOfFunds});
  for (std::size_t c = 0; c < clusters_; ++c) {
    cost(c, kCostPhaseOut) = sum(c, kSumCostPhaseOut);
    cost(c, kCostRiskCompensation) = sum(c, kSumCostRisk);
  }
}

void WorldReplicate::settle_exits(int /*step*/) {
  for (std::size_t i :
       filter_.find(firms_.size(), [&](std::size_t i) { return firms_.alive[i] == 0; })) {
    funds_.write_off(firms_, i);
    incubators_.remove_tenant(firms_, i);
  }
  firms_.agents.compact(firms_.alive);
  for (std::size_t c = 0; c < clusters_; ++c) {
    talent_market_.receive_released(c, sum(c, kSumReleased), sum(c, kSumReleasedProgramme),
                                    sum(c, kSumReleasedKnowledge));
  }
}

void WorldReplicate::run_funds(int step) {
  fund_flows_.reset(clusters_);
  if (setup_.is_new_year(step)) {
    std::vector<Levers> now(clusters_);
    std::vector<double> annual_output(clusters_);
    for (std::size_t c = 0; c < clusters_; ++c) {
      now[c] = levers(step, c);
      annual_output[c] = 4 * sum(c, kSumSales);
    }
    funds_.commit(step, now, annual_output, fund_flows_);
  }
  funds_.quarter(
      step, firms_, mean_a_,
      [&](std::uint64_t id) { return stream(static_cast<std::uint64_t>(step), kPhaseFunds, id); },
      fund_flows_);
  funds_.value(firms_, fund_flows_);
  for (std::size_t c = 0; c < clusters_; ++c) {
    cost(c, kCostGuideFund) = fund_flows_.paid(c, FundKind::GuideSubFund) -
                              fund_flows_.returned(c, FundKind::GuideSubFund);
    cost(c, kCostAngelFund) =
        fund_flows_.paid(c, FundKind::Angel) - fund_flows_.returned(c, FundKind::Angel);
  }
}

double WorldReplicate::government_fund_money(std::size_t c, bool paid) const {
  const FundFlows& f = fund_flows_;
  return paid ? f.paid(c, FundKind::GuideSubFund) + f.paid(c, FundKind::Angel)
              : f.returned(c, FundKind::GuideSubFund) + f.returned(c, FundKind::Angel);
}

void WorldReplicate::run_platforms(int step) {
  const PlatformParams& pp = setup_.platform;
  if (step >= 0) {
    for (std::size_t i = 0; i < platforms_.size(); ++i)
      platforms_.capital[i] *= 1.0 - pp.depreciation;
    for (std::size_t c = 0; c < clusters_; ++c) {
      const double investment = levers(step, c).platform_investment / 4.0;
      invest_in_platforms(platforms_, static_cast<std::uint16_t>(c), investment, pp);
      cost(c, kCostPlatforms) = investment;
    }
  }
  std::fill(platform_capital_.begin(), platform_capital_.end(), 0.0);
  for (std::size_t i = 0; i < platforms_.size(); ++i) {
    platform_capital_[platforms_.cluster[i] * kPlatformKinds + platforms_.kind[i]] +=
        platforms_.capital[i];
  }
  for (std::size_t c = 0; c < clusters_; ++c) {
    std::array<double, kPlatformKinds> by_kind{};
    for (std::size_t k = 0; k < kPlatformKinds; ++k)
      by_kind[k] = platform_capital_[c * kPlatformKinds + k];
    const double annual_output = step >= 0 ? 4 * sum(c, kSumSales) : setup_.starts[c].output;
    platform_effects_[c] = platform_effects(by_kind, annual_output, pp);
  }
}

void WorldReplicate::enter(int step) {
  const FirmParams& p = params_;
  std::vector<double> incumbents(clusters_, 0.0), platforms(clusters_, 0.0);
  std::vector<std::vector<std::size_t>> parents(clusters_);
  for (std::size_t i = 0; i < firms_.size(); ++i) {
    incumbents[firms_.cluster[i]] += 1;
    if (static_cast<FirmType>(firms_.type[i]) == FirmType::Backbone) {
      parents[firms_.cluster[i]].push_back(i);
    }
  }
  for (std::size_t i = 0; i < platforms_.size(); ++i) platforms[platforms_.cluster[i]] += 1;
  for (std::size_t c = 0; c < clusters_; ++c) {
    entries_[c] = 0;
    if (incumbents[c] == 0) {
      // The cluster's last firms left this quarter: would-be founders keep looking for work.
      talent_market_.receive(c, founders_[c], founders_[c], mean_a_[c]);
      continue;
    }
    // Entrants: a base rate, spin-offs of backbone firms and of platforms, and founders among
    // the programme recruits (counted in the talent phase).
    auto rng = cluster_stream(step, kPhaseEntry, c);
    auto base = static_cast<std::size_t>(rng.poisson(p.entry_rate * incumbents[c]));
    auto spinoffs = static_cast<std::size_t>(
        rng.poisson(p.spinoff_rate * static_cast<double>(parents[c].size())));
    auto lab_spinoffs =
        static_cast<std::size_t>(rng.poisson(setup_.platform.spinoff_rate * platforms[c]));
    auto founders = static_cast<std::size_t>(founders_[c]);
    if (step < 0) {
      // Warm-up: the data's number of firms is held, so entrants only replace the quarter's
      // exits, spin-offs first; founders without a place keep looking for work.
      auto places = static_cast<std::size_t>(sum(c, kSumExits));
      const auto take = [&places](std::size_t wanted) {
        const std::size_t got = std::min(wanted, places);
        places -= got;
        return got;
      };
      spinoffs = take(spinoffs);
      lab_spinoffs = take(lab_spinoffs);
      const std::size_t founding = take(founders);
      const auto looking = static_cast<double>(founders - founding);
      talent_market_.receive(c, looking, looking, mean_a_[c]);
      founders = founding;
      base = places;
    }
    const std::size_t count = base + spinoffs + lab_spinoffs + founders;
    entries_[c] = static_cast<double>(count);
    if (count == 0) continue;
    const std::size_t first = firms_.agents.append(count);
    for (std::size_t i = first; i < first + count; ++i) {
      auto frng = stream(static_cast<std::uint64_t>(step), kPhaseEntry, firms_.agents.id[i]);
      const std::size_t j = i - first;
      firms_.cluster[i] = static_cast<std::uint16_t>(c);
      firms_.type[i] = static_cast<std::uint8_t>(FirmType::Startup);
      firms_.capital[i] = p.entry_capital;
      firms_.cash[i] = p.entry_equity_ratio * p.entry_capital;
      firms_.hightech_products[i] = frng.bernoulli(setup_.hightech_share[c]) ? 1 : 0;
      firms_.takeup_draw[i] = frng.uniform();
      firms_.alive[i] = 1;
      const double noise = p.entry_productivity_spread * frng.normal();
      if (j < base) {
        firms_.log_productivity[i] = mean_a_[c] + noise;
      } else if (j < base + spinoffs) {
        // A spin-off starts from its parent's knowledge (SKIN).
        const auto pick = std::min(
            parents[c].size() - 1,
            static_cast<std::size_t>(frng.uniform() * static_cast<double>(parents[c].size())));
        firms_.log_productivity[i] = firms_.log_productivity[parents[c][pick]] - p.spinoff_gap;
      } else if (j < base + spinoffs + lab_spinoffs) {
        firms_.log_productivity[i] = frontier_[c] - p.spinoff_gap;
      } else {
        firms_.log_productivity[i] = mean_a_[c] + noise;
        firms_.researchers[i] = 1.0;
        firms_.programme_researchers[i] = 1.0;
      }
    }
  }
}

void WorldReplicate::run_incubators(int step) {
  std::vector<double> funded_slots(clusters_, 0.0);
  incubators_.quarter(levers(step), firms_, params_.startup_age_quarters, graduates_, funded_slots);
  for (std::size_t c = 0; c < clusters_; ++c) {
    cost(c, kCostIncubators) = funded_slots[c] * setup_.costs.incubator_subsidy_per_slot / 4.0;
  }
}

void WorldReplicate::count_types(int /*step*/) {
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
        acc[kSumEmployed] += firms_.researchers[i];
        acc[kSumTenants] += firms_.incubator[i] != 0 ? 1.0 : 0.0;
      },
      {kSumBackbone, kSumSme, kSumStartup, kSumEmployed, kSumTenants});
}

namespace {

// Adds the time since the last lap to the phase's total; does nothing when not timing.
class PhaseClock {
 public:
  explicit PhaseClock(sim::PhaseTimes* times) : times_(times) {
    if (times_ != nullptr) last_ = std::chrono::steady_clock::now();
  }
  void lap(std::size_t phase) {
    if (times_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    times_->seconds[phase] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  sim::PhaseTimes* times_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace

// The phases of a quarter, in the order step() runs them. The names are what `clustersim bench`
// reports and the tests read: renaming one is a change of interface.
constexpr std::array<WorldReplicate::QuarterPhase, WorldReplicate::kPhaseCount>
    WorldReplicate::kPhases{{
        {"demand", &WorldReplicate::update_demand},
        {"rd_and_labour", &WorldReplicate::plan_rd_and_labour},
        {"talent_market", &WorldReplicate::clear_talent_market},
        {"production_and_tax", &WorldReplicate::produce_and_pay_tax},
        {"procurement", &WorldReplicate::pay_procurement},
        {"innovation", &WorldReplicate::innovate},
        {"phase_out", &WorldReplicate::mark_phase_out},
        {"investment_and_exit", &WorldReplicate::invest_age_and_test_exit},
        {"exits", &WorldReplicate::settle_exits},
        {"funds", &WorldReplicate::run_funds},
        {"platforms", &WorldReplicate::run_platforms},
        {"entry", &WorldReplicate::enter},
        {"incubators", &WorldReplicate::run_incubators},
        {"counts", &WorldReplicate::count_types},
    }};

void WorldReplicate::check_finite(int step, const char* phase) const {
  const auto bad = [&](const std::string& where) {
    const std::string quarter =
        sim::quarter_label(setup_.scenario.calendar().quarter_of_step(step));
    throw sim::NumericalError(fmt::format(
        "a non-finite value in {} {}: {}; the run is stopped instead of writing it", quarter,
        phase != nullptr ? fmt::format("after the {} phase", phase)
                         : std::string("(the phase could not be isolated)"),
        where));
  };
  const auto non_finite = firms_.agents.first_non_finite();
  if (non_finite.found) {
    const std::size_t i = non_finite.index;
    bad(fmt::format("firm {} of cluster {} has {} = {}", firms_.agents.id[i],
                    setup_.scenario.clusters()[firms_.cluster[i]].id, non_finite.column,
                    non_finite.value));
  }
  for (std::size_t c = 0; c < clusters_; ++c) {
    for (std::size_t k = 0; k < kSumCount; ++k) {
      if (!std::isfinite(sums_[c * kSumCount + k])) {
        bad(fmt::format("cluster {}'s firm total #{} is {}", setup_.scenario.clusters()[c].id, k,
                        sums_[c * kSumCount + k]));
      }
    }
    const double cluster_values[] = {price_[c], demand_shifter_[c], talent_.free[c], mean_a_[c]};
    const char* names[] = {"price", "demand shifter", "free researchers", "mean log-productivity"};
    for (std::size_t k = 0; k < std::size(cluster_values); ++k) {
      if (!std::isfinite(cluster_values[k])) {
        bad(fmt::format("cluster {}'s {} is {}", setup_.scenario.clusters()[c].id, names[k],
                        cluster_values[k]));
      }
    }
  }
}

void WorldReplicate::check_every_phase(bool on) {
  check_every_phase_ = on;
}

void WorldReplicate::time_phases(sim::PhaseTimes* times) {
  phase_times_ = times;
  if (times == nullptr) return;
  times->names.clear();
  for (const QuarterPhase& phase : kPhases) times->names.emplace_back(phase.name);
  times->seconds.assign(kPhases.size(), 0.0);
}

sim::AgentCounts WorldReplicate::agents() const {
  // Counted in parallel blocks, so that measuring does not add a serial pass to every step.
  std::vector<double> per_block(sim::block_count(firms_.size()), 0.0);
  sim::for_each_block(firms_.size(), [&](std::size_t begin, std::size_t end, std::size_t b) {
    for (std::size_t i = begin; i < end; ++i) per_block[b] += firms_.researchers[i];
  });
  double researchers = 0.0;
  for (double r : per_block) researchers += r;
  for (double r : talent_.free) researchers += r;
  return {static_cast<double>(firms_.size()), researchers};
}

void WorldReplicate::start_quarter(int step) {
  std::fill(ledger_.begin(), ledger_.end(), 0.0);
  book_ip_protection_and_open_innovation_budgets(step);
}

void WorldReplicate::book_ip_protection_and_open_innovation_budgets(int step) {
  for (std::size_t c = 0; c < clusters_; ++c) {
    const LeverBudgets b = quarter_budgets(levers(step, c), setup_.costs);
    cost(c, kCostIpProtection) = b.ip_protection;
    cost(c, kCostOpenInnovation) = b.open_innovation;
  }
}

void WorldReplicate::step(int step) {
  PhaseClock clock(phase_times_);
  start_quarter(step);
  for (std::size_t k = 0; k < kPhases.size(); ++k) {
    // A stop request is honoured between phases: a quarter of a large world takes seconds.
    if (stop_requested()) throw sim::Cancelled();
    (this->*kPhases[k].run)(step);
    clock.lap(k);
    if (check_every_phase_) check_finite(step, kPhases[k].name);
  }
  check_finite(step, nullptr);
  remember_sales(step);
}

void WorldReplicate::remember_sales(int step) {
  if (step < 0) return;  // the warm-up is not part of the run's record
  if (step == 0) recent_quarters_ = 0;
  newest_slot_ = static_cast<std::size_t>(step % 4);
  for (std::size_t c = 0; c < clusters_; ++c)
    recent_sales_[c * 4 + newest_slot_] = sum(c, kSumSales);
  recent_quarters_ = std::min<std::size_t>(recent_quarters_ + 1, 4);
}

double WorldReplicate::trailing_year_sales(std::size_t c) const {
  if (recent_quarters_ == 0) return 0.0;
  // Oldest first, as trailing_annual_output adds them, so the two agree bit for bit.
  const std::size_t n = recent_quarters_;
  double total = 0.0;
  for (std::size_t k = n; k-- > 0;) total += recent_sales_[c * 4 + (newest_slot_ + 4 - k) % 4];
  return total * 4.0 / static_cast<double>(n);
}

}  // namespace models
