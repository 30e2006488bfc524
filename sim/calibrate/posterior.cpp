#include "sim/calibrate/posterior.hpp"

#include <fmt/format.h>

#include <cmath>

#include "sim/calibrate/abc.hpp"
#include "sim/core/json.hpp"

namespace sim {
namespace {

std::vector<double> column(const std::vector<double>& rows, std::size_t n, std::size_t width,
                           std::size_t k) {
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = rows[i * width + k];
  return out;
}

std::string describe_prior(const abc::Prior& p) {
  if (p.kind == abc::PriorKind::Normal) {
    return fmt::format("normal({:g}, {:g}) on [{:g}, {:g}]", p.mean, p.sd, p.min, p.max);
  }
  return fmt::format("{} [{:g}, {:g}]", abc::prior_name(p.kind), p.min, p.max);
}

}  // namespace

PosteriorSummary summarise_posterior(const CalibrationFile& file) {
  const Generation& post = file.result.generations.back();
  const std::size_t n = post.particles.size, dims = file.parameters.size(),
                    targets = file.targets.size();
  PosteriorSummary s;
  s.generations = file.result.generations.size();
  s.particles = n;
  s.runs = file.result.runs;
  s.tolerance = post.tolerance;
  s.ess = post.ess;
  s.stop_reason = file.result.stop_reason;
  abc::Population pop{
      Eigen::MatrixXd(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(dims)), post.weights};
  for (std::size_t d = 0; d < dims; ++d) {
    const abc::Prior& prior = file.priors[d];
    const std::vector<double> x = column(post.particles.parameters, n, dims, d);
    for (std::size_t i = 0; i < n; ++i) {
      pop.z(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) = x[i];
    }
    ParameterSummary p;
    p.name = file.parameters[d];
    p.prior = describe_prior(prior);
    p.prior_median = prior.quantile(0.5);
    p.prior_low = prior.quantile(0.05);
    p.prior_high = prior.quantile(0.95);
    p.median = abc::weighted_quantile(x, post.weights, 0.5);
    p.low = abc::weighted_quantile(x, post.weights, 0.05);
    p.high = abc::weighted_quantile(x, post.weights, 0.95);
    p.shrinkage = (p.high - p.low) / (p.prior_high - p.prior_low);
    p.weakly_identified = p.shrinkage >= kWeaklyIdentified;
    s.parameters.push_back(std::move(p));
  }
  const Eigen::MatrixXd cov = abc::weighted_covariance(pop);
  s.correlations.assign(dims, std::vector<double>(dims));
  for (std::size_t a = 0; a < dims; ++a) {
    for (std::size_t b = 0; b < dims; ++b) {
      const auto ia = static_cast<Eigen::Index>(a), ib = static_cast<Eigen::Index>(b);
      s.correlations[a][b] = cov(ia, ib) / std::sqrt(cov(ia, ia) * cov(ib, ib));
    }
  }
  for (std::size_t j = 0; j < targets; ++j) {
    const std::vector<double> v = column(post.particles.values, n, targets, j);
    TargetFit f;
    f.name = file.targets[j];
    f.observed = file.observed[j];
    f.se = file.se[j];
    f.scale = file.scale[j];
    f.median = abc::weighted_quantile(v, post.weights, 0.5);
    f.low = abc::weighted_quantile(v, post.weights, 0.05);
    f.high = abc::weighted_quantile(v, post.weights, 0.95);
    f.z = (f.median - f.observed) / f.scale;
    f.held_out = file.held_out.at(j);
    f.inside = f.low <= f.observed && f.observed <= f.high;
    s.fit.push_back(std::move(f));
  }
  return s;
}

std::string posterior_report(const PosteriorSummary& s, bool json) {
  if (json) {
    nlohmann::ordered_json out;
    out["generations"] = s.generations;
    out["particles"] = s.particles;
    out["runs"] = s.runs;
    out["tolerance"] = s.tolerance;
    out["ess"] = s.ess;
    out["stop_reason"] = s.stop_reason;
    out["parameters"] = nlohmann::ordered_json::array();
    for (const auto& p : s.parameters) {
      out["parameters"].push_back({{"name", p.name},
                                   {"prior", p.prior},
                                   {"prior_median", p.prior_median},
                                   {"prior_interval_90", {p.prior_low, p.prior_high}},
                                   {"median", p.median},
                                   {"interval_90", {p.low, p.high}},
                                   {"shrinkage", p.shrinkage},
                                   {"weakly_identified", p.weakly_identified}});
    }
    out["correlations"] = s.correlations;
    out["fit"] = nlohmann::ordered_json::array();
    for (const auto& f : s.fit) {
      out["fit"].push_back({{"target", f.name},
                            {"observed", f.observed},
                            {"se", f.se},
                            {"scale", f.scale},
                            {"model_median", f.median},
                            {"model_interval_90", {f.low, f.high}},
                            {"z", f.z},
                            {"held_out", f.held_out},
                            {"inside_90", f.inside}});
    }
    return json_text(out);
  }
  std::string text = fmt::format(
      "posterior: {} particles of generation {} (tolerance {:.4g}, ESS {:.1f}); {} runs; "
      "stopped: {}\n\n",
      s.particles, s.generations - 1, s.tolerance, s.ess, s.runs, s.stop_reason);
  text +=
      "parameter                                  prior median (90%)          posterior "
      "median (90%)      shrinkage\n";
  for (const auto& p : s.parameters) {
    text += fmt::format(
        "{:<42} {:<10.4g} ({:.4g} to {:.4g})   {:<10.4g} ({:.4g} to {:.4g})   "
        "{:.2f}{}\n",
        p.name, p.prior_median, p.prior_low, p.prior_high, p.median, p.low, p.high, p.shrinkage,
        p.weakly_identified ? "  weakly identified" : "");
    text += fmt::format("    prior: {}\n", p.prior);
  }
  text += "\ncorrelations (weighted)\n";
  for (std::size_t a = 0; a < s.parameters.size(); ++a) {
    for (std::size_t b = a + 1; b < s.parameters.size(); ++b) {
      text += fmt::format("    {} ~ {}: {:+.2f}\n", s.parameters[a].name, s.parameters[b].name,
                          s.correlations[a][b]);
    }
  }
  text +=
      "\nfit: target, observed (se), model median (90% band), z = (median - observed) / "
      "scale\n";
  for (const auto& f : s.fit) {
    const char* held = !f.held_out ? ""
                       : f.inside  ? "   held out: inside the band"
                                   : "   held out: outside the band";
    text += fmt::format("    {:<36} {:.4g} ({:.2g})   {:.4g} ({:.4g} to {:.4g})   z {:+.2f}{}\n",
                        f.name, f.observed, f.se, f.median, f.low, f.high, f.z, held);
  }
  return text;
}

}  // namespace sim
