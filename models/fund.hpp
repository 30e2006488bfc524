// Funds: guide-fund sub-funds (government and private partners), private venture capital and
// the achievement-transformation (angel) fund. Each fund is an agent with a cluster, a kind, a
// vintage, committed capital and cash; it screens the cluster's young firms on a noisy signal
// of productivity, takes equity stakes, exits by IPO or trade sale, writes off failures, and
// returns proceeds to its partners. Government money in and out is the fiscal ledger of the
// fund levers (models/README.md, "Funds").
#pragma once

#include <cstdint>
#include <vector>

#include "models/firm.hpp"
#include "models/policy.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/agents.hpp"
#include "sim/core/parallel.hpp"
#include "sim/core/random.hpp"

namespace models {

enum class FundKind : std::uint8_t { GuideSubFund = 0, PrivateVc = 1, Angel = 2 };
inline constexpr std::size_t kFundKinds = 3;

struct FundTable {
  FundTable();
  sim::AgentTable agents;
  std::vector<std::uint16_t> cluster;
  std::vector<std::uint8_t> kind;     // FundKind
  std::vector<std::int32_t> vintage;  // step of the commitment
  std::vector<double> gov_share, concession;
  std::vector<double> committed;     // paid in at commitment, yuan
  std::vector<double> cash;          // not yet invested, or received and not yet returned
  std::vector<double> invested;      // cumulative tickets
  std::vector<double> proceeds;      // cumulative exit proceeds
  std::vector<double> distributed;   // cumulative returns to partners
  std::vector<double> gov_returned;  // of which to government
  std::vector<std::uint8_t> open;
  std::size_t size() const { return agents.size(); }
};

struct FundParams {
  int invest_quarters, life_quarters, min_hold_quarters;
  double ticket[kFundKinds];
  double signal_noise, hurdle;
  double valuation_multiple, ipo_multiple, ipo_min_sales;
  double exit_rate, exit_slope;
  double secondary_discount;
  double realisation_base, realisation_return_sensitivity, realisation_concession_sensitivity;
  double vc_rate, vc_return_sensitivity;
  double return_memory;  // weight of the newest realised multiple in the lagged return
  double initial_multiple;

  static FundParams from(const sim::Scenario& scenario);
};

// --- rules (pure functions, unit-tested) ---------------------------------------------------

// Share of a sub-fund's private target that is actually raised: base * (1 + s_r (m - 1)) *
// (1 + s_c concession), within [0, 1]; m is the lagged realised multiple of past investments.
double private_realisation(double base, double lagged_multiple, double return_sensitivity,
                           double concession, double concession_sensitivity);

// Private VC committed in a year to a cluster: rate * annual output * max(0, 1 + s (m - 1)).
double private_vc_commitment(double rate, double annual_output, double lagged_multiple,
                             double sensitivity);

// Value of a firm to an investor: the larger of its book equity and multiple * annual sales.
double firm_valuation(double annual_sales, double book_equity, double multiple);

// Equity share bought by a ticket at a pre-money valuation.
double equity_stake(double ticket, double pre_money);

// Probability per quarter that a held firm is sold (IPO or trade sale): rate * exp(slope *
// (a - cluster mean a)), at most 1.
double exit_probability(double rate, double slope, double productivity_gap);

// Government's part of a distribution: gov_share of the proceeds, less the conceded share of the
// government's gain over its part of the cost.
double government_part(double proceeds, double cost, double gov_share, double concession);

// What the fund phase reports per cluster.
struct FundFlows {
  std::vector<double> invested, private_raised, nav;
  // The government's claim on its funds' NAV per cluster: what it would receive if every fund
  // were wound up at NAV, split as distributions are (government_part).
  std::vector<double> gov_nav;
  // Government money by cluster and fund kind, [cluster * kFundKinds + kind].
  std::vector<double> gov_paid, gov_returned;
  void reset(std::size_t clusters);
  double& paid(std::size_t c, FundKind k) { return gov_paid[c * kFundKinds + std::size_t(k)]; }
  double& returned(std::size_t c, FundKind k) {
    return gov_returned[c * kFundKinds + std::size_t(k)];
  }
  double paid(std::size_t c, FundKind k) const { return gov_paid[c * kFundKinds + std::size_t(k)]; }
  double returned(std::size_t c, FundKind k) const {
    return gov_returned[c * kFundKinds + std::size_t(k)];
  }
};

// The equity stakes funds hold, one row per stake: a firm refers to its row by
// FirmTable::holding. Rows freed by a sale or a write-off are reused, the last freed first.
struct Holdings {
  std::vector<std::uint32_t> fund;  // index of the fund holding the stake
  std::vector<std::int32_t> invested_step;
  std::vector<double> stake;  // equity share held
  std::vector<double> cost;   // yuan paid for it
  std::vector<std::uint32_t> free_rows;
  std::size_t add(std::uint32_t fund_index, int step, double share, double paid);
  void release(std::size_t row) { free_rows.push_back(static_cast<std::uint32_t>(row)); }
};

// A firm a fund may invest in this quarter: its signal cleared the hurdle.
struct FundCandidate {
  double signal;
  std::uint32_t index;  // in the firm table
};

// Funds and their portfolios across all clusters, for one replicate.
class FundMarket {
 public:
  FundMarket(std::size_t clusters, const FundParams& params);

  // Commitments for a new year (first quarter of each year): guide sub-funds, angel funds and
  // private VC, per cluster.
  void commit(int step, const std::vector<Levers>& levers, const std::vector<double>& annual_output,
              FundFlows& flows);
  // Screens and invests in firms, then exits and ends funds whose life is over. cluster_mean_a
  // is each cluster's mean log-productivity; rng_for(firm id) gives the firm's fund-phase stream.
  template <typename RngFor>
  void quarter(int step, FirmTable& firms, const std::vector<double>& cluster_mean_a,
               RngFor&& rng_for, FundFlows& flows);
  // A failed firm's stake is written off (call before the firm is removed).
  void write_off(FirmTable& firms, std::size_t i);
  // NAV per cluster: cash plus the value of stakes.
  void value(const FirmTable& firms, FundFlows& flows) const;

  const FundTable& table() const { return funds_; }
  // Firm i's investor as fund id + 1 (0: none), and its stake, what was paid for it and when
  // (0 without an investor).
  std::uint32_t investor(const FirmTable& firms, std::size_t i) const;
  double stake(const FirmTable& firms, std::size_t i) const;
  double stake_cost(const FirmTable& firms, std::size_t i) const;
  int invested_step(const FirmTable& firms, std::size_t i) const;
  double lagged_multiple() const { return lagged_multiple_; }

 private:
  // The holdings row of a held firm.
  static std::size_t row_of(const FirmTable& firms, std::size_t i) { return firms.holding[i] - 1; }
  void open_fund(int step, std::uint16_t c, FundKind kind, double committed, double gov_share,
                 double concession);
  void sell_stake(FirmTable& firms, std::size_t i, double value, FundFlows& flows);
  // Books the sale of firm i's stake for `value` in its fund and clears the stake; returns the
  // government's part.
  double realise(FirmTable& firms, std::size_t i, double value);
  void invest(int step, FirmTable& firms, FundFlows& flows);
  // What fund f may invest this quarter.
  double quarter_budget(std::size_t f) const;
  // investing_[c] = 1 where a fund of cluster c can still invest this quarter.
  void mark_investing_clusters(int step);
  // The cluster's candidates are ranked lazily: funds read only the first few.
  std::size_t candidate(std::size_t c, std::size_t k, const FirmTable& firms);

  std::size_t clusters_;
  FundParams p_;
  FundTable funds_;
  Holdings holdings_;
  double lagged_multiple_;
  // Scratch reused per step. The screening's findings per block of firms, in firm order:
  // candidates (signal above the hurdle, no investor once this quarter's sales are done) and
  // the held firms sold. Only these are kept, not a signal for every firm.
  struct Screened {
    std::vector<FundCandidate> candidates;
    std::vector<std::uint32_t> sold;
    void clear() {
      candidates.clear();
      sold.clear();
    }
  };
  sim::BlockFindings<Screened> screened_;
  // Candidates grouped by cluster (candidates_[begin_[c]..begin_[c+1])), each group a heap of
  // which ranked_[c] have been taken, best first, to the group's end in reverse.
  std::vector<FundCandidate> candidates_;
  std::vector<std::size_t> begin_, ranked_;
  std::vector<std::uint8_t> investing_;
  mutable sim::IndexFilter filter_;  // scratch of the scans over firms
};

bool is_fund_target(FundKind kind, FirmType type);

void add_fund_settings(sim::Schema& schema);

// --- template definition ------------------------------------------------------------------

template <typename RngFor>
void FundMarket::quarter(int step, FirmTable& firms, const std::vector<double>& cluster_mean_a,
                         RngFor&& rng_for, FundFlows& flows) {
  // Signals and exits draw from each firm's own stream, so the order of funds does not matter.
  // The draws are made in parallel; the sales, which move the funds' cash, in firm order.
  mark_investing_clusters(step);
  screened_.scan(firms.size(), [&](std::size_t begin, std::size_t end, Screened& mine) {
    for (std::size_t i = begin; i < end; ++i) {
      // Only what is read is drawn: a signal for a firm a fund may screen this quarter, an exit
      // draw for a firm a fund holds. The draws keep their places in the firm's stream (signal
      // first, then exit), so skipping the others changes no result.
      const bool held = firms.holding[i] != 0;
      const bool backbone = static_cast<FirmType>(firms.type[i]) == FirmType::Backbone;
      const bool screened = investing_[firms.cluster[i]] != 0 && !backbone;
      if (!held && !screened) continue;
      auto rng = rng_for(firms.agents.id[i]);
      const double gap = firms.log_productivity[i] - cluster_mean_a[firms.cluster[i]];
      // A held firm sold below may be screened again in the same quarter, so it draws both.
      const double signal = rng.normal_above(gap, p_.signal_noise, p_.hurdle);
      bool sold = false;
      if (held) {
        const double exit_draw = rng.uniform();
        sold = step - holdings_.invested_step[row_of(firms, i)] >= p_.min_hold_quarters &&
               exit_draw < exit_probability(p_.exit_rate, p_.exit_slope, gap);
        if (sold) mine.sold.push_back(static_cast<std::uint32_t>(i));
      }
      if ((!held || sold) && !backbone && signal > p_.hurdle) {
        mine.candidates.push_back({signal, static_cast<std::uint32_t>(i)});
      }
    }
  });
  for (const Screened& block : screened_.blocks()) {
    for (const std::size_t i : block.sold) {
      const double annual_sales = 4 * firms.sales[i];
      const double multiple =
          annual_sales >= p_.ipo_min_sales ? p_.ipo_multiple : p_.valuation_multiple;
      const double value = holdings_.stake[row_of(firms, i)] *
                           firm_valuation(annual_sales, firms.cash[i] + firms.capital[i], multiple);
      sell_stake(firms, i, value, flows);
    }
  }
  invest(step, firms, flows);
  // Funds at the end of their life sell what they hold at a discount and return everything.
  for (std::size_t i : filter_.find(firms.size(), [&](std::size_t k) {
         return firms.holding[k] != 0 &&
                step - funds_.vintage[holdings_.fund[row_of(firms, k)]] >= p_.life_quarters;
       })) {
    const double value =
        p_.secondary_discount * holdings_.stake[row_of(firms, i)] *
        firm_valuation(4 * firms.sales[i], firms.cash[i] + firms.capital[i], p_.valuation_multiple);
    sell_stake(firms, i, value, flows);
  }
  for (std::size_t f = 0; f < funds_.size(); ++f) {
    if (funds_.open[f] == 0 || step - funds_.vintage[f] < p_.life_quarters) continue;
    const double rest = funds_.cash[f];
    const double gov = funds_.gov_share[f] * rest;
    funds_.cash[f] = 0;
    funds_.distributed[f] += rest;
    funds_.gov_returned[f] += gov;
    flows.returned(funds_.cluster[f], static_cast<FundKind>(funds_.kind[f])) += gov;
    funds_.open[f] = 0;
  }
}

}  // namespace models
