// Researchers (talent) as cohorts: each cluster holds a pool of job-seeking researchers and each
// firm a count of employed ones, split into regular researchers and high-level talent-programme
// recruits. Graduates and recruits enter, retirees leave, job seekers move between clusters by
// attractiveness, firms hire with wages rising with tightness, and movers carry the knowledge
// of the firm they left (models/README.md, "Talent"). The quarter's talent phase is
// TalentMarket::clear; the firms' side (layoffs, wishes, hires joining) stays with the firm
// passes in quarter.cpp, which see the market only through what it lets them hire.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/config/schema.hpp"
#include "sim/core/random.hpp"

namespace models {

struct TalentParams {
  double graduate_rate;              // new researchers per quarter per employed researcher
  double retirement_rate;            // per quarter
  double seeker_exit_rate;           // job seekers taking work outside research, per quarter
  double quit_rate;                  // employed researchers changing jobs per quarter
  double mobile_share;               // job seekers who look at other clusters
  double attraction_sensitivity;     // beta of the choice among clusters
  double same_region_weight;         // link weight of clusters in the same region (others 1)
  double wage_growth;                // nominal, 1/year
  double wage_tightness_elasticity;  // phi
  double initial_free_share;         // job seekers in the starting pool
  double programme_skill;            // effective R&D labour of a recruit (regular = 1)
  double labour_share;               // share of R&D spending that is researchers' pay
  double knowledge_transfer;         // share of the hire-weighted gap closed by new hires
  double founder_rate;               // programme job seekers founding a startup per quarter

  static TalentParams from(const sim::Scenario& scenario);
};

// The job-seeking pool of each cluster and the cluster's wage (cohort state, per cluster).
struct TalentPools {
  std::vector<double> free;            // researchers without an employer
  std::vector<double> free_programme;  // of which talent-programme recruits
  std::vector<double> free_knowledge;  // sum over job seekers of their last employer's log-prod.
  std::vector<double> free_unpaid;     // programme recruits whose grant is not yet paid
  std::vector<double> base_wage;       // yuan per researcher per quarter at balanced tightness
  std::vector<double> wage;            // this quarter's wage
  // This quarter's flows, for the metrics and the accounting checks.
  std::vector<double> inflow, outflow, graduates, retirements, leavers, recruits, hired, founders;
  std::vector<double> paid_recruits;  // programme recruits hired or founding: the grants paid

  explicit TalentPools(std::size_t clusters = 0);
  void clear_flows();
  // Researchers released by a firm (quits, layoffs, exits) join the pool with the knowledge of
  // the firm's log-productivity a.
  void receive(std::size_t c, double researchers, double programme, double a);
  // Takes the share s of cluster c's job seekers out of the pool in proportion, so that its mix
  // of recruits, unpaid grants and knowledge is unchanged; returns how many left.
  double take_share(std::size_t c, double s);
};

// Wage of a cluster: base * (demand / supply)^phi, the ratio kept within [1/4, 4] so that an
// empty pool or a cluster without hiring does not send the wage to 0 or infinity.
double tight_wage(double base, double demand, double supply, double elasticity);

// Row-stochastic matrix of where a mobile job seeker of cluster c goes (staying included):
// P(c, d) = L(c, d) exp(beta A(d)) / sum_e L(c, e) exp(beta A(e)).
Eigen::MatrixXd migration_matrix(const Eigen::VectorXd& attractiveness,
                                 const Eigen::MatrixXd& links, double sensitivity);

// Link weights between clusters: 1, or same_region_weight within a region (diagonal included).
Eigen::MatrixXd region_links(const std::vector<std::string>& regions, double same_region_weight);

// Attractiveness of each cluster: relative wage plus relative R&D productivity (exp of mean
// log-productivity relative to the mean across clusters with firms) plus amenity. A cluster
// without firms (firms 0) hires nobody and offers only its amenity.
Eigen::VectorXd attractiveness(const std::vector<double>& wage,
                               const std::vector<double>& mean_log_productivity,
                               const std::vector<double>& amenity,
                               const std::vector<double>& firms);

// Moves the mobile share of every pool by the migration matrix; job seekers carry their
// programme flag and knowledge, while unpaid programme grants stay with the recruiting cluster
// (a mover forfeits it). Records inflow and outflow (moves between clusters only).
void migrate(TalentPools& pools, const Eigen::MatrixXd& shares, double mobile_share);

// Hiring priority: backbone firms first, then SMEs, then startups. Given what each type wants
// and how many job seekers there are, the share of each type's wish that is filled.
std::array<double, 3> fill_by_priority(const std::array<double, 3>& wanted, double available);

// R&D a firm carries out: its researchers' pay at this quarter's wage plus the non-labour part
// of its plan in proportion to the researchers it found (of those it wanted), so a firm short
// of researchers cannot spend its whole budget.
inline double realised_rd(double planned, double labour_share, double wage, double researchers,
                          double wanted) {
  if (planned <= 0 || wanted <= 0) return 0.0;
  return wage * researchers + (1.0 - labour_share) * planned * std::min(1.0, researchers / wanted);
}

// A firm's researchers' average skill: regular researchers count 1, recruits programme_skill.
inline double average_skill(double researchers, double programme, double programme_skill) {
  return researchers > 0 ? 1.0 + (programme_skill - 1.0) * programme / researchers : 1.0;
}

// One cluster's side of a quarter's talent market: what its firms' labour plans leave
// (plan_rd_and_labour) and what draws researchers to it.
struct ClusterLabour {
  double retired = 0.0;                // employed researchers retiring this quarter
  double employed = 0.0;               // researchers the firms keep
  double released = 0.0;               // quits and layoffs, who look for work
  double released_programme = 0.0;     // of which talent-programme recruits
  double released_knowledge = 0.0;     // sum of their employers' log-productivities
  std::array<double, 3> wanted{};      // hires wanted by backbone firms, SMEs and startups
  double recruits = 0.0;               // talent-programme recruits arriving this quarter
  double mean_log_productivity = 0.0;  // what graduates know
  double frontier = 0.0;               // what recruits know
  double real_output = 0.0;            // 0: no firms, so no founders and no hiring
  double amenity = 0.0;
};

// What a cluster's firms get from the market in a quarter.
struct Hiring {
  std::array<double, 3> fill{1.0, 1.0, 1.0};  // share of each type's wish filled (fill_by_priority)
  double programme_share = 0.0;               // talent-programme recruits among the hires
  double knowledge = 0.0;  // mean log-productivity of the hires' former employers
};

// The researchers' market of all clusters, for one replicate: it owns the pools and wages, and
// firms see it only through what it lets them hire.
class TalentMarket {
 public:
  TalentMarket(std::size_t clusters, const TalentParams& params, Eigen::MatrixXd links);

  // Starting pools and wages from the data's researchers and the firms' planned R&D; returns
  // the researchers employed in each cluster.
  std::vector<double> open(const std::vector<double>& researchers,
                           const std::vector<double>& planned_rd,
                           const std::vector<double>& mean_log_productivity);
  // A quarter's market: job seekers retire; graduates, recruits and released researchers join;
  // recruits may found startups (rng_for(c) is cluster c's talent stream); mobile job seekers
  // move; wages follow tightness; firms hire, backbone firms first.
  void clear(const std::vector<ClusterLabour>& labour,
             const std::function<sim::RandomStream(std::size_t)>& rng_for);
  // Researchers who join a cluster's pool outside the market (founders whose cluster emptied,
  // with knowledge a; staff of failed firms, with the sum of their firms' knowledge).
  void receive(std::size_t c, double researchers, double programme, double a) {
    pools_.receive(c, researchers, programme, a);
  }
  void receive_released(std::size_t c, double researchers, double programme, double knowledge);

  const TalentPools& pools() const { return pools_; }
  const Hiring& hiring(std::size_t c) const { return hiring_[c]; }

 private:
  void retire_and_release_job_seekers(std::size_t c, double retired_employed);
  void add_graduates_recruits_and_released(std::size_t c, const ClusterLabour& labour);
  void draw_founders(std::size_t c, double real_output, sim::RandomStream& rng);
  void move_between_clusters(const std::vector<ClusterLabour>& labour);
  void hire(std::size_t c, const ClusterLabour& labour, double base_growth);

  TalentParams p_;
  Eigen::MatrixXd links_;
  TalentPools pools_;
  std::vector<Hiring> hiring_;
};

void add_talent_settings(sim::Schema& schema);

}  // namespace models
