#include "models/talent.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace models {

TalentParams TalentParams::from(const sim::Scenario& sc) {
  TalentParams p{};
  p.graduate_rate = sc.number("talent.graduate_rate");
  p.retirement_rate = sc.number("talent.retirement_rate");
  p.seeker_exit_rate = sc.number("talent.seeker_exit_rate");
  p.quit_rate = sc.number("talent.quit_rate");
  p.mobile_share = sc.number("talent.mobile_share");
  p.attraction_sensitivity = sc.number("talent.attraction_sensitivity");
  p.same_region_weight = sc.number("talent.same_region_weight");
  p.wage_growth = sc.number("talent.wage_growth");
  p.wage_tightness_elasticity = sc.number("talent.wage_tightness_elasticity");
  p.initial_free_share = sc.number("talent.initial_free_share");
  p.programme_skill = sc.number("talent.programme_skill");
  p.labour_share = sc.number("talent.labour_share_of_rd");
  p.knowledge_transfer = sc.number("talent.knowledge_transfer");
  p.founder_rate = sc.number("talent.founder_rate");
  return p;
}

TalentPools::TalentPools(std::size_t clusters)
    : free(clusters, 0.0),
      free_programme(clusters, 0.0),
      free_knowledge(clusters, 0.0),
      free_unpaid(clusters, 0.0),
      base_wage(clusters, 0.0),
      wage(clusters, 0.0),
      inflow(clusters, 0.0),
      outflow(clusters, 0.0),
      graduates(clusters, 0.0),
      retirements(clusters, 0.0),
      leavers(clusters, 0.0),
      recruits(clusters, 0.0),
      hired(clusters, 0.0),
      founders(clusters, 0.0),
      paid_recruits(clusters, 0.0) {}

void TalentPools::clear_flows() {
  for (auto* v : {&inflow, &outflow, &graduates, &retirements, &leavers, &recruits, &hired,
                  &founders, &paid_recruits}) {
    std::fill(v->begin(), v->end(), 0.0);
  }
}

void TalentPools::receive(std::size_t c, double researchers, double programme, double a) {
  free[c] += researchers;
  free_programme[c] += programme;
  free_knowledge[c] += researchers * a;
}

double TalentPools::take_share(std::size_t c, double s) {
  const double taken = s * free[c];
  const double left = 1.0 - s;
  free[c] *= left;
  free_programme[c] *= left;
  free_knowledge[c] *= left;
  free_unpaid[c] *= left;
  return taken;
}

TalentMarket::TalentMarket(std::size_t clusters, const TalentParams& params, Eigen::MatrixXd links)
    : p_(params), links_(std::move(links)), pools_(clusters), hiring_(clusters) {}

std::vector<double> TalentMarket::open(const std::vector<double>& researchers,
                                       const std::vector<double>& planned_rd,
                                       const std::vector<double>& mean_log_productivity) {
  // The starting wage clears each cluster's market: what its firms plan to pay researchers
  // over the researchers employed.
  // Where no firm plans R&D, every researcher of the data starts as a job seeker.
  const std::size_t n = researchers.size();
  std::vector<double> employed(n, 0.0);
  double wage_sum = 0.0, wage_count = 0.0;
  for (std::size_t c = 0; c < n; ++c) {
    employed[c] = planned_rd[c] > 0 ? (1.0 - p_.initial_free_share) * researchers[c] : 0.0;
    pools_.free[c] = researchers[c] - employed[c];
    pools_.free_knowledge[c] = pools_.free[c] * mean_log_productivity[c];
    if (employed[c] > 0) {
      pools_.wage[c] = p_.labour_share * planned_rd[c] / employed[c];
      wage_sum += pools_.wage[c];
      wage_count += 1;
    }
  }
  // A cluster with R&D but no researchers in the data pays the average wage of the others.
  const double fallback = wage_count > 0 ? wage_sum / wage_count : 1.0;
  for (std::size_t c = 0; c < n; ++c) {
    if (pools_.wage[c] <= 0) pools_.wage[c] = fallback;
    pools_.base_wage[c] = pools_.wage[c];
  }
  return employed;
}

void TalentMarket::clear(const std::vector<ClusterLabour>& labour,
                         const std::function<sim::RandomStream(std::size_t)>& rng_for) {
  pools_.clear_flows();
  for (std::size_t c = 0; c < labour.size(); ++c) {
    retire_and_release_job_seekers(c, labour[c].retired);
    add_graduates_recruits_and_released(c, labour[c]);
    auto rng = rng_for(c);
    draw_founders(c, labour[c].real_output, rng);
  }
  move_between_clusters(labour);
  const double base_growth = std::pow(1.0 + p_.wage_growth, 0.25);
  for (std::size_t c = 0; c < labour.size(); ++c) hire(c, labour[c], base_growth);
}

void TalentMarket::receive_released(std::size_t c, double researchers, double programme,
                                    double knowledge) {
  pools_.free[c] += researchers;
  pools_.free_programme[c] += programme;
  pools_.free_knowledge[c] += knowledge;
}

void TalentMarket::retire_and_release_job_seekers(std::size_t c, double retired_employed) {
  // Job seekers retire, and those who find no research job take work outside research: the
  // pool does not grow on its own when firms stop hiring.
  TalentPools& pool = pools_;
  const double retired_free = pool.take_share(c, p_.retirement_rate);
  const double left_research = pool.take_share(c, p_.seeker_exit_rate);
  pool.retirements[c] = retired_employed + retired_free;
  pool.leavers[c] = left_research;
  pool.outflow[c] += pool.retirements[c] + left_research;
}

void TalentMarket::add_graduates_recruits_and_released(std::size_t c, const ClusterLabour& labour) {
  TalentPools& pool = pools_;
  // Graduates follow the cluster's research employment (its labs train and take them on), not
  // the size of its pool of job seekers.
  const double graduates = p_.graduate_rate * labour.employed;
  pool.receive(c, graduates, 0.0, labour.mean_log_productivity);
  pool.graduates[c] = graduates;
  // Programme recruits bring knowledge from outside: the cluster's frontier. Their grant is paid
  // when they take a job or found a firm.
  pool.receive(c, labour.recruits, labour.recruits, labour.frontier);
  pool.free_unpaid[c] += labour.recruits;
  pool.recruits[c] = labour.recruits;
  pool.inflow[c] += graduates + labour.recruits;
  // Job changers and laid-off researchers look for work in their own cluster first.
  receive_released(c, labour.released, labour.released_programme, labour.released_knowledge);
}

void TalentMarket::draw_founders(std::size_t c, double real_output, sim::RandomStream& rng) {
  // Recruits without a job may found a startup (entry phase); each founder works in it.
  // Founders need a cluster with a market to enter (firms at the start of the quarter).
  TalentPools& pool = pools_;
  const double founder_rate = real_output > 0 ? p_.founder_rate : 0.0;
  const double founders = std::min(
      std::floor(pool.free_programme[c]),
      static_cast<double>(rng.poisson(founder_rate * std::max(0.0, pool.free_programme[c]))));
  const double founder_knowledge = pool.free[c] > 0 ? pool.free_knowledge[c] / pool.free[c] : 0.0;
  // Founders are recruits: those whose grant is unpaid get it now, in proportion.
  const double unpaid_share = pool.free_programme[c] > 0
                                  ? std::min(1.0, pool.free_unpaid[c] / pool.free_programme[c])
                                  : 0.0;
  pool.free[c] -= founders;
  pool.free_programme[c] -= founders;
  pool.free_knowledge[c] -= founders * founder_knowledge;
  pool.free_unpaid[c] -= founders * unpaid_share;
  pool.paid_recruits[c] += founders * unpaid_share;
  pool.founders[c] = founders;
}

void TalentMarket::move_between_clusters(const std::vector<ClusterLabour>& labour) {
  // Mobile job seekers move between clusters by attractiveness.
  // Clusters without firms (no real output) hire nobody.
  const std::size_t n = labour.size();
  std::vector<double> mean_a(n), amenity(n), real_output(n);
  for (std::size_t c = 0; c < n; ++c) {
    mean_a[c] = labour[c].mean_log_productivity;
    amenity[c] = labour[c].amenity;
    real_output[c] = labour[c].real_output;
  }
  const Eigen::VectorXd a = attractiveness(pools_.wage, mean_a, amenity, real_output);
  migrate(pools_, migration_matrix(a, links_, p_.attraction_sensitivity), p_.mobile_share);
}

void TalentMarket::hire(std::size_t c, const ClusterLabour& labour, double base_growth) {
  // Wages rise with tightness; firms hire from the pool, backbone firms first.
  TalentPools& pool = pools_;
  const std::array<double, 3>& wanted = labour.wanted;
  const double want = wanted[0] + wanted[1] + wanted[2];
  const double employed = labour.employed;
  pool.base_wage[c] *= base_growth;
  pool.wage[c] = tight_wage(pool.base_wage[c], employed + want, employed + pool.free[c],
                            p_.wage_tightness_elasticity);
  Hiring& h = hiring_[c];
  h.fill = fill_by_priority(wanted, pool.free[c]);
  const double hired = h.fill[0] * wanted[0] + h.fill[1] * wanted[1] + h.fill[2] * wanted[2];
  h.programme_share = pool.free[c] > 0 ? pool.free_programme[c] / pool.free[c] : 0.0;
  h.knowledge = pool.free[c] > 0 ? pool.free_knowledge[c] / pool.free[c] : 0.0;
  // Hiring takes job seekers in proportion: the pool's mix and knowledge are unchanged. Hired
  // recruits whose grant is unpaid get it now.
  const double share = pool.free[c] > 0 ? std::min(1.0, hired / pool.free[c]) : 1.0;
  pool.paid_recruits[c] += share * pool.free_unpaid[c];
  pool.take_share(c, share);
  pool.hired[c] = hired;
}

double tight_wage(double base, double demand, double supply, double elasticity) {
  double ratio = supply > 0 ? demand / supply : 4.0;
  ratio = std::clamp(ratio, 0.25, 4.0);
  return base * std::pow(ratio, elasticity);
}

Eigen::MatrixXd migration_matrix(const Eigen::VectorXd& a, const Eigen::MatrixXd& links,
                                 double sensitivity) {
  // Subtracting the largest attractiveness keeps exp() in range; it cancels in each row.
  const double top = a.size() > 0 ? a.maxCoeff() : 0.0;
  const Eigen::RowVectorXd weight = (sensitivity * (a.array() - top)).exp().matrix().transpose();
  Eigen::MatrixXd p = links.array().rowwise() * weight.array();
  for (Eigen::Index c = 0; c < p.rows(); ++c) {
    const double total = p.row(c).sum();
    if (total > 0) {
      p.row(c) /= total;
    } else {
      p.row(c).setZero();
      p(c, c) = 1.0;
    }
  }
  return p;
}

Eigen::MatrixXd region_links(const std::vector<std::string>& regions, double same_region_weight) {
  const auto n = static_cast<Eigen::Index>(regions.size());
  Eigen::MatrixXd links(n, n);
  for (Eigen::Index c = 0; c < n; ++c) {
    for (Eigen::Index d = 0; d < n; ++d) {
      links(c, d) = regions[static_cast<std::size_t>(c)] == regions[static_cast<std::size_t>(d)]
                        ? same_region_weight
                        : 1.0;
    }
  }
  return links;
}

Eigen::VectorXd attractiveness(const std::vector<double>& wage,
                               const std::vector<double>& mean_log_productivity,
                               const std::vector<double>& amenity,
                               const std::vector<double>& firms) {
  const auto n = static_cast<Eigen::Index>(wage.size());
  double wage_sum = 0, a_sum = 0, weight = 0;
  for (std::size_t c = 0; c < wage.size(); ++c) {
    if (firms[c] <= 0 || !std::isfinite(mean_log_productivity[c])) continue;
    wage_sum += wage[c];
    a_sum += mean_log_productivity[c];
    weight += 1;
  }
  const double mean_wage = weight > 0 ? wage_sum / weight : 1.0;
  const double mean_a = weight > 0 ? a_sum / weight : 0.0;
  Eigen::VectorXd out(n);
  for (std::size_t c = 0; c < wage.size(); ++c) {
    const bool active = firms[c] > 0 && std::isfinite(mean_log_productivity[c]);
    out(static_cast<Eigen::Index>(c)) =
        active ? wage[c] / mean_wage + std::exp(mean_log_productivity[c] - mean_a) + amenity[c]
               : amenity[c];
  }
  return out;
}

void migrate(TalentPools& pools, const Eigen::MatrixXd& shares, double mobile_share) {
  const auto n = static_cast<Eigen::Index>(pools.free.size());
  const Eigen::Map<const Eigen::VectorXd> free(pools.free.data(), n);
  const Eigen::Map<const Eigen::VectorXd> programme(pools.free_programme.data(), n);
  const Eigen::Map<const Eigen::VectorXd> knowledge(pools.free_knowledge.data(), n);
  // Movers from c to d: mobile_share * pool(c) * P(c, d); the stayers' diagonal is left in place.
  Eigen::MatrixXd off = shares;
  off.diagonal().setZero();
  const Eigen::VectorXd leave_share = mobile_share * off.rowwise().sum();
  const Eigen::VectorXd in_people = off.transpose() * (mobile_share * free);
  const Eigen::VectorXd in_programme = off.transpose() * (mobile_share * programme);
  const Eigen::VectorXd in_knowledge = off.transpose() * (mobile_share * knowledge);
  for (Eigen::Index c = 0; c < n; ++c) {
    const auto i = static_cast<std::size_t>(c);
    const double out_people = leave_share(c) * pools.free[i];
    pools.outflow[i] += out_people;
    pools.inflow[i] += in_people(c);
    pools.free[i] += in_people(c) - out_people;
    pools.free_programme[i] += in_programme(c) - leave_share(c) * pools.free_programme[i];
    pools.free_knowledge[i] += in_knowledge(c) - leave_share(c) * pools.free_knowledge[i];
    // A programme grant is tied to a post in the recruiting cluster: an unpaid recruit who
    // moves forfeits it.
    pools.free_unpaid[i] -= leave_share(c) * pools.free_unpaid[i];
  }
}

std::array<double, 3> fill_by_priority(const std::array<double, 3>& wanted, double available) {
  std::array<double, 3> fill{1.0, 1.0, 1.0};
  double left = std::max(0.0, available);
  for (std::size_t t = 0; t < 3; ++t) {
    if (wanted[t] <= 0) continue;
    fill[t] = std::min(1.0, left / wanted[t]);
    left = std::max(0.0, left - fill[t] * wanted[t]);
  }
  return fill;
}

void add_talent_settings(sim::Schema& s) {
  using sim::lever;
  using sim::number;
  s.add(number("talent.graduate_rate", "1/quarter", 0, 0.25, "0.02",
               "New researchers entering a cluster's pool per quarter per employed researcher "
               "there (assumption: with retirements, about 5%/year growth, the pace of "
               "Shandong's R&D staff 2010-2014)."));
  s.add(number("talent.retirement_rate", "1/quarter", 0, 0.25, "0.0075",
               "Researchers retiring or leaving research per quarter (a 33-year career; "
               "assumption)."));
  s.add(number("talent.seeker_exit_rate", "1/quarter", 0, 1, "0.16",
               "Job seekers who take work outside research per quarter (assumption: half of "
               "those who find no research job within a year leave research)."));
  s.add(number(
      "talent.quit_rate", "1/quarter", 0, 0.5, "0.03",
      "Employed researchers changing employer per quarter (assumption: 2-5%; models/README.md)."));
  s.add(number("talent.mobile_share", "1", 0, 1, "0.1",
               "Share of job seekers who consider other clusters each quarter (InCaLead: about "
               "90% stay)."));
  s.add(number("talent.attraction_sensitivity", "1", 0, 100, "2",
               "beta of the choice among clusters by attractiveness (assumption)."));
  s.add(number("talent.same_region_weight", "1", 1, 100, "3",
               "Link weight between clusters of the same region relative to other pairs "
               "(assumption)."));
  s.add(lever("talent.amenity", "1", -10, 10, "0",
              "Amenity term of a cluster's attractiveness to researchers (assumption: 0)."));
  s.add(number("talent.wage_growth", "1/year", -0.5, 1, "0.08",
               "Nominal growth of researchers' base pay (about Shandong's average urban wage "
               "growth 2014-2019)."));
  s.add(number("talent.wage_tightness_elasticity", "1", 0, 5, "0.5",
               "phi: elasticity of the wage to labour demand over supply (assumption)."));
  s.add(number("talent.initial_free_share", "1", 0, 0.9, "0.05",
               "Share of a cluster's researchers seeking a job at the start (assumption)."));
  s.add(number("talent.programme_skill", "1", 1, 10, "2",
               "Effective R&D labour of a talent-programme recruit relative to a regular "
               "researcher (assumption)."));
  s.add(number("talent.labour_share_of_rd", "1", 0.05, 1, "0.3",
               "Share of R&D spending that pays researchers (assumption after NBS R&D "
               "statistics: labour costs about a quarter to a third of R&D)."));
  s.add(number("talent.knowledge_transfer", "1", 0, 1, "0.05",
               "Share of the gap between hires' former employers and the hiring firm that the "
               "hires close, scaled by hires over staff (assumption after EURACE skill "
               "convergence)."));
  s.add(number("talent.founder_rate", "1/quarter", 0, 1, "0.02",
               "Programme recruits without an employer who found a startup per quarter "
               "(assumption)."));
}

}  // namespace models
