#include "models/fund.hpp"

#include <algorithm>
#include <cmath>

namespace models {
namespace {

// Heap order of fund candidates: best signal first, ties by id. It is a total order, so the
// candidates are taken in the same sequence on every run and thread count.
auto worse_candidate(const FirmTable& firms) {
  return [&firms](const FundCandidate& x, const FundCandidate& y) {
    if (x.signal != y.signal) return x.signal < y.signal;
    return firms.agents.id[x.index] > firms.agents.id[y.index];
  };
}

}  // namespace

FundTable::FundTable() {
  agents.add_column(cluster, "cluster");
  agents.add_column(kind, "kind");
  agents.add_column(vintage, "vintage");
  agents.add_column(gov_share, "gov_share");
  agents.add_column(concession, "concession");
  agents.add_column(committed, "committed");
  agents.add_column(cash, "cash");
  agents.add_column(invested, "invested");
  agents.add_column(proceeds, "proceeds");
  agents.add_column(distributed, "distributed");
  agents.add_column(gov_returned, "gov_returned");
  agents.add_column(open, "open");
}

FundParams FundParams::from(const sim::Scenario& sc) {
  FundParams p{};
  p.invest_quarters = static_cast<int>(sc.integer("fund.invest_quarters"));
  p.life_quarters = static_cast<int>(sc.integer("fund.life_quarters"));
  p.min_hold_quarters = static_cast<int>(sc.integer("fund.min_hold_quarters"));
  p.ticket[static_cast<std::size_t>(FundKind::GuideSubFund)] = sc.number("fund.ticket.guide");
  p.ticket[static_cast<std::size_t>(FundKind::PrivateVc)] = sc.number("fund.ticket.vc");
  p.ticket[static_cast<std::size_t>(FundKind::Angel)] = sc.number("fund.ticket.angel");
  p.signal_noise = sc.number("fund.signal_noise");
  p.hurdle = sc.number("fund.hurdle");
  p.valuation_multiple = sc.number("fund.valuation_multiple");
  p.ipo_multiple = sc.number("fund.ipo_multiple");
  p.ipo_min_sales = sc.number("fund.ipo_min_sales");
  p.exit_rate = sc.number("fund.exit_rate");
  p.exit_slope = sc.number("fund.exit_slope");
  p.secondary_discount = sc.number("fund.secondary_discount");
  p.realisation_base = sc.number("fund.realisation.base");
  p.realisation_return_sensitivity = sc.number("fund.realisation.return_sensitivity");
  p.realisation_concession_sensitivity = sc.number("fund.realisation.concession_sensitivity");
  p.vc_rate = sc.number("fund.vc.rate");
  p.vc_return_sensitivity = sc.number("fund.vc.return_sensitivity");
  p.return_memory = sc.number("fund.return_memory");
  p.initial_multiple = sc.number("fund.initial_multiple");
  return p;
}

double private_realisation(double base, double lagged_multiple, double return_sensitivity,
                           double concession, double concession_sensitivity) {
  const double r = base * (1.0 + return_sensitivity * (lagged_multiple - 1.0)) *
                   (1.0 + concession_sensitivity * concession);
  return std::clamp(r, 0.0, 1.0);
}

double private_vc_commitment(double rate, double annual_output, double lagged_multiple,
                             double sensitivity) {
  return rate * std::max(0.0, annual_output) *
         std::max(0.0, 1.0 + sensitivity * (lagged_multiple - 1.0));
}

double firm_valuation(double annual_sales, double book_equity, double multiple) {
  return std::max({0.0, book_equity, multiple * annual_sales});
}

double equity_stake(double ticket, double pre_money) {
  return ticket > 0 ? ticket / (std::max(0.0, pre_money) + ticket) : 0.0;
}

double exit_probability(double rate, double slope, double gap) {
  return std::min(1.0, rate * std::exp(slope * gap));
}

double government_part(double proceeds, double cost, double gov_share, double concession) {
  const double gain = std::max(0.0, proceeds - cost);
  return gov_share * proceeds - concession * gov_share * gain;
}

void FundFlows::reset(std::size_t clusters) {
  const std::size_t n = clusters;
  for (auto* v : {&invested, &private_raised, &nav, &gov_nav}) v->assign(n, 0.0);
  gov_paid.assign(n * kFundKinds, 0.0);
  gov_returned.assign(n * kFundKinds, 0.0);
}

bool is_fund_target(FundKind kind, FirmType type) {
  if (kind == FundKind::Angel) return type == FirmType::Startup;
  return type != FirmType::Backbone;
}

FundMarket::FundMarket(std::size_t clusters, const FundParams& params)
    : clusters_(clusters), p_(params), lagged_multiple_(params.initial_multiple) {}

void FundMarket::open_fund(int step, std::uint16_t c, FundKind kind, double committed,
                           double gov_share, double concession) {
  const std::size_t f = funds_.agents.append(1);
  funds_.cluster[f] = c;
  funds_.kind[f] = static_cast<std::uint8_t>(kind);
  funds_.vintage[f] = step;
  funds_.gov_share[f] = gov_share;
  funds_.concession[f] = concession;
  funds_.committed[f] = committed;
  funds_.cash[f] = committed;
  funds_.open[f] = 1;
}

void FundMarket::commit(int step, const std::vector<Levers>& levers,
                        const std::vector<double>& annual_output, FundFlows& flows) {
  for (std::size_t c = 0; c < clusters_; ++c) {
    const auto cluster = static_cast<std::uint16_t>(c);
    const Levers& l = levers[c];
    if (l.guide_fund_capital > 0) {
      // The government commits G for a share g of the target; private partners close only
      // part of the rest.
      const double g = l.guide_fund_gov_share;
      const double target_private = l.guide_fund_capital * (1.0 - g) / g;
      const double raised =
          target_private * private_realisation(p_.realisation_base, lagged_multiple_,
                                               p_.realisation_return_sensitivity,
                                               l.guide_fund_concession,
                                               p_.realisation_concession_sensitivity);
      const double size = l.guide_fund_capital + raised;
      open_fund(step, cluster, FundKind::GuideSubFund, size, l.guide_fund_capital / size,
                l.guide_fund_concession);
      flows.private_raised[c] += raised;
      flows.paid(c, FundKind::GuideSubFund) += l.guide_fund_capital;
    }
    if (l.angel_fund_capital > 0) {
      open_fund(step, cluster, FundKind::Angel, l.angel_fund_capital, 1.0, 0.0);
      flows.paid(c, FundKind::Angel) += l.angel_fund_capital;
    }
    const double vc = private_vc_commitment(p_.vc_rate, annual_output[c], lagged_multiple_,
                                            p_.vc_return_sensitivity);
    if (vc > 0) open_fund(step, cluster, FundKind::PrivateVc, vc, 0.0, 0.0);
  }
}

std::size_t Holdings::add(std::uint32_t fund_index, int step, double share, double paid) {
  if (free_rows.empty()) {
    fund.push_back(fund_index);
    invested_step.push_back(step);
    stake.push_back(share);
    cost.push_back(paid);
    return fund.size() - 1;
  }
  const std::size_t row = free_rows.back();
  free_rows.pop_back();
  fund[row] = fund_index;
  invested_step[row] = step;
  stake[row] = share;
  cost[row] = paid;
  return row;
}

std::uint32_t FundMarket::investor(const FirmTable& firms, std::size_t i) const {
  if (firms.holding[i] == 0) return 0;
  return static_cast<std::uint32_t>(funds_.agents.id[holdings_.fund[row_of(firms, i)]] + 1);
}

double FundMarket::stake(const FirmTable& firms, std::size_t i) const {
  return firms.holding[i] == 0 ? 0.0 : holdings_.stake[row_of(firms, i)];
}

double FundMarket::stake_cost(const FirmTable& firms, std::size_t i) const {
  return firms.holding[i] == 0 ? 0.0 : holdings_.cost[row_of(firms, i)];
}

int FundMarket::invested_step(const FirmTable& firms, std::size_t i) const {
  return firms.holding[i] == 0 ? 0 : holdings_.invested_step[row_of(firms, i)];
}

void FundMarket::sell_stake(FirmTable& firms, std::size_t i, double value, FundFlows& flows) {
  const std::size_t f = holdings_.fund[row_of(firms, i)];
  flows.returned(funds_.cluster[f], static_cast<FundKind>(funds_.kind[f])) +=
      realise(firms, i, value);
}

double FundMarket::realise(FirmTable& firms, std::size_t i, double value) {
  const std::size_t row = row_of(firms, i);
  const std::size_t f = holdings_.fund[row];
  const double cost = holdings_.cost[row];
  const double gov = government_part(value, cost, funds_.gov_share[f], funds_.concession[f]);
  funds_.proceeds[f] += value;
  funds_.distributed[f] += value;
  funds_.gov_returned[f] += gov;
  if (cost > 0) {
    lagged_multiple_ += p_.return_memory * (value / cost - lagged_multiple_);
  }
  holdings_.release(row);
  firms.holding[i] = 0;
  return gov;
}

void FundMarket::write_off(FirmTable& firms, std::size_t i) {
  // Nothing comes back from a failed firm, so no one's flows change but the multiple's.
  if (firms.holding[i] != 0) realise(firms, i, 0.0);
}

void FundMarket::mark_investing_clusters(int step) {
  investing_.assign(clusters_, 0);
  for (std::size_t f = 0; f < funds_.size(); ++f) {
    if (funds_.open[f] != 0 && step - funds_.vintage[f] < p_.invest_quarters &&
        quarter_budget(f) > 0) {
      investing_[funds_.cluster[f]] = 1;
    }
  }
}

double FundMarket::quarter_budget(std::size_t f) const {
  return std::min(funds_.cash[f], funds_.committed[f] / static_cast<double>(p_.invest_quarters));
}

std::size_t FundMarket::candidate(std::size_t c, std::size_t k, const FirmTable& firms) {
  const auto worse = worse_candidate(firms);
  const auto first = candidates_.begin() + static_cast<std::ptrdiff_t>(begin_[c]);
  const auto last = candidates_.begin() + static_cast<std::ptrdiff_t>(begin_[c + 1]);
  while (ranked_[c] <= k && first + static_cast<std::ptrdiff_t>(ranked_[c]) < last) {
    std::pop_heap(first, last - static_cast<std::ptrdiff_t>(ranked_[c]), worse);
    ++ranked_[c];
  }
  return (last - 1 - static_cast<std::ptrdiff_t>(k))->index;
}

void FundMarket::invest(int step, FirmTable& firms, FundFlows& flows) {
  // Candidates: firms without an investor whose signal clears the hurdle, grouped by cluster in
  // firm order (the screening found them block by block).
  begin_.assign(clusters_ + 1, 0);
  for (const Screened& block : screened_.blocks()) {
    for (const FundCandidate& x : block.candidates) ++begin_[firms.cluster[x.index] + 1];
  }
  for (std::size_t c = 0; c < clusters_; ++c) begin_[c + 1] += begin_[c];
  candidates_.resize(begin_[clusters_]);
  ranked_.assign(begin_.begin(), begin_.end() - 1);
  for (const Screened& block : screened_.blocks()) {
    for (const FundCandidate& x : block.candidates)
      candidates_[ranked_[firms.cluster[x.index]]++] = x;
  }
  ranked_.assign(clusters_, 0);
  const auto worse = worse_candidate(firms);
  for (std::size_t c = 0; c < clusters_; ++c) {
    std::make_heap(candidates_.begin() + static_cast<std::ptrdiff_t>(begin_[c]),
                   candidates_.begin() + static_cast<std::ptrdiff_t>(begin_[c + 1]), worse);
  }
  // Guide sub-funds and private VC pick first; the angel fund backs startups they leave (the
  // "first kilometre"), so public angel money does not crowd out larger private rounds.
  std::vector<std::size_t> order(funds_.size());
  for (std::size_t f = 0; f < order.size(); ++f) order[f] = f;
  std::stable_partition(order.begin(), order.end(), [&](std::size_t f) {
    return static_cast<FundKind>(funds_.kind[f]) != FundKind::Angel;
  });
  for (std::size_t f : order) {
    if (funds_.open[f] == 0 || step - funds_.vintage[f] >= p_.invest_quarters) continue;
    const auto kind = static_cast<FundKind>(funds_.kind[f]);
    const double ticket_size = p_.ticket[funds_.kind[f]];
    double budget = quarter_budget(f);
    const std::size_t c = funds_.cluster[f];
    for (std::size_t k = 0; k < begin_[c + 1] - begin_[c]; ++k) {
      if (budget <= 0) break;
      const std::size_t i = candidate(c, k, firms);
      if (firms.holding[i] != 0 || !is_fund_target(kind, static_cast<FirmType>(firms.type[i]))) {
        continue;
      }
      const double ticket = std::min(ticket_size, budget);
      const double pre_money = firm_valuation(4 * firms.sales[i], firms.cash[i] + firms.capital[i],
                                              p_.valuation_multiple);
      const std::size_t row = holdings_.add(static_cast<std::uint32_t>(f), step,
                                            equity_stake(ticket, pre_money), ticket);
      firms.holding[i] = static_cast<std::uint32_t>(row + 1);
      firms.cash[i] += ticket;
      funds_.cash[f] -= ticket;
      funds_.invested[f] += ticket;
      flows.invested[funds_.cluster[f]] += ticket;
      budget -= ticket;
    }
  }
}

void FundMarket::value(const FirmTable& firms, FundFlows& flows) const {
  // Cash comes back at cost, so the government's part of it is its share.
  for (std::size_t f = 0; f < funds_.size(); ++f) {
    if (funds_.open[f] == 0) continue;
    flows.nav[funds_.cluster[f]] += funds_.cash[f];
    flows.gov_nav[funds_.cluster[f]] += funds_.gov_share[f] * funds_.cash[f];
  }
  for (std::size_t i :
       filter_.find(firms.size(), [&](std::size_t i) { return firms.holding[i] != 0; })) {
    const std::size_t row = row_of(firms, i);
    const std::size_t f = holdings_.fund[row];
    const double value =
        holdings_.stake[row] *
        firm_valuation(4 * firms.sales[i], firms.cash[i] + firms.capital[i], p_.valuation_multiple);
    flows.nav[funds_.cluster[f]] += value;
    flows.gov_nav[funds_.cluster[f]] +=
        government_part(value, holdings_.cost[row], funds_.gov_share[f], funds_.concession[f]);
  }
}

void add_fund_settings(sim::Schema& s) {
  using sim::integer;
  using sim::number;
  s.add(integer(
      "fund.invest_quarters", "quarters", 1, 80, "16",
      "Investment period of a fund (typical fund terms: 3-5 years; Metrick and Yasuda 2010)."));
  s.add(integer("fund.life_quarters", "quarters", 4, 160, "32",
                "Life of a fund, after which it sells what it holds and returns its cash "
                "(typical fund terms: 7-10 years; Metrick and Yasuda 2010)."));
  s.add(integer("fund.min_hold_quarters", "quarters", 0, 80, "8",
                "Quarters a stake is held before an exit is possible (assumption)."));
  s.add(number("fund.ticket.guide", "yuan", 1e4, 1e10, "2e7",
               "Investment per firm by a guide sub-fund (assumption)."));
  s.add(number("fund.ticket.vc", "yuan", 1e4, 1e10, "1.5e7",
               "Investment per firm by a private VC fund (assumption)."));
  s.add(number("fund.ticket.angel", "yuan", 1e4, 1e10, "2e6",
               "Investment per startup by the angel fund (assumption)."));
  s.add(number("fund.signal_noise", "1", 0, 5, "0.2",
               "Standard deviation of the noise in investors' signal of a firm's "
               "log-productivity (assumption)."));
  s.add(number("fund.hurdle", "1", -5, 5, "0.1",
               "Signal above the cluster's mean log-productivity a firm must show to be "
               "financed (assumption)."));
  s.add(number("fund.valuation_multiple", "1", 0, 100, "1.5",
               "Valuation of a private firm per yuan of annual sales (assumption)."));
  s.add(number("fund.ipo_multiple", "1", 0, 100, "3",
               "Valuation at an IPO per yuan of annual sales (assumption)."));
  s.add(number("fund.ipo_min_sales", "yuan/year", 0, 1e13, "2e8",
               "Annual sales from which an exit is an IPO rather than a trade sale "
               "(assumption)."));
  s.add(number("fund.exit_rate", "1/quarter", 0, 1, "0.03",
               "Exit probability per quarter of a held firm of average productivity "
               "(assumption)."));
  s.add(number("fund.exit_slope", "1", 0, 50, "3",
               "Rise of the exit probability with the firm's log-productivity gap to its "
               "cluster's mean (assumption)."));
  s.add(number("fund.secondary_discount", "1", 0, 1, "0.8",
               "Price of stakes sold at the end of a fund's life per yuan of valuation "
               "(assumption)."));
  s.add(number("fund.realisation.base", "1", 0, 1, "0.45",
               "Share of a sub-fund's private target raised at a lagged multiple of 1 and no "
               "concession (Wei, Ang, Jia 2023: guide funds raised about 43% of target)."));
  s.add(number("fund.realisation.return_sensitivity", "1", 0, 10, "0.5",
               "Rise of realisation per unit of lagged multiple above 1 (assumption)."));
  s.add(number("fund.realisation.concession_sensitivity", "1", 0, 10, "1",
               "Rise of realisation per unit of profit concession (assumption)."));
  s.add(number("fund.vc.rate", "1/year", 0, 0.1, "0.001",
               "Private VC committed per year per yuan of a cluster's annual output at a lagged "
               "multiple of 1 (assumption: VC investment is of the order of 0.1% of output in "
               "Chinese provinces outside the top three)."));
  s.add(number("fund.vc.return_sensitivity", "1", 0, 10, "1",
               "Rise of private VC commitments per unit of lagged multiple above 1 "
               "(assumption)."));
  s.add(number("fund.return_memory", "1", 0, 1, "0.05",
               "Weight of each newly realised multiple in the lagged multiple investors "
               "watch (assumption)."));
  s.add(number("fund.initial_multiple", "1", 0, 10, "1.2",
               "Lagged realised multiple before the run starts (assumption)."));
}

}  // namespace models
