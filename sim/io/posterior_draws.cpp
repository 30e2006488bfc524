#include "sim/io/posterior_draws.hpp"

#include <fmt/format.h>

#include <cmath>

#include "sim/core/errors.hpp"
#include "sim/core/random.hpp"
#include "sim/io/hdf5.hpp"

namespace sim {
namespace {

// The draw's stream: the run's key (seed, replicate) with a phase no model phase uses.
constexpr std::uint64_t kPosteriorPhase = 0xCA11B;

}  // namespace

Posterior read_posterior(const std::string& path) {
  Posterior p;
  p.file = path;
  const h5::Handle file = h5::open_file(path);
  const auto fail = [&](const std::string& detail) {
    throw InputError({path, 0, 0}, "calibration.file", detail);
  };
  if (h5::read_string_attribute(file, "filetype") != kCalibrationFiletype) {
    fail("not a result file of clustersim calibrate");
  }
  p.keys = h5::read_strings(h5::open_dataset(file, "parameters/name"));
  const std::vector<double> values =
      h5::read_doubles(h5::open_dataset(file, "posterior/parameters"));
  const std::vector<double> weights = h5::read_doubles(h5::open_dataset(file, "posterior/weights"));
  const std::size_t dims = p.keys.size(), n = weights.size();
  if (dims == 0 || n == 0 || values.size() != n * dims) {
    fail(fmt::format("the posterior holds {} values for {} particles of {} settings", values.size(),
                     n, dims));
  }
  double total = 0;
  for (const double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) fail("a posterior weight is not a finite number >= 0");
    total += w;
  }
  if (!(total > 0)) fail("the posterior's weights sum to 0");
  for (std::size_t i = 0; i < n; ++i) {
    p.particles.emplace_back(values.begin() + static_cast<std::ptrdiff_t>(i * dims),
                             values.begin() + static_cast<std::ptrdiff_t>((i + 1) * dims));
    p.weights.push_back(weights[i] / total);
  }
  return p;
}

std::size_t posterior_draw(const Posterior& posterior, std::uint64_t seed,
                           std::uint64_t replicate) {
  RandomStream stream(seed, replicate, 0, kPosteriorPhase, 0);
  const double u = stream.uniform();
  double cumulative = 0;
  for (std::size_t i = 0; i < posterior.weights.size(); ++i) {
    cumulative += posterior.weights[i];
    if (u < cumulative) return i;
  }
  return posterior.weights.size() - 1;
}

std::vector<std::string> posterior_overrides(const Posterior& posterior, std::uint64_t seed,
                                             std::uint64_t replicate) {
  const std::vector<double>& x = posterior.particles[posterior_draw(posterior, seed, replicate)];
  std::vector<std::string> out;
  for (std::size_t d = 0; d < posterior.keys.size(); ++d) {
    out.push_back(fmt::format("{}={:.17g}", posterior.keys[d], x[d]));
  }
  return out;
}

std::vector<std::vector<std::string>> replicate_overrides(const Scenario& scenario) {
  const std::string& file = scenario.path("calibration.file");
  if (file.empty()) return {};
  Posterior posterior;
  try {
    posterior = read_posterior(file);
  } catch (const InputError& e) {
    scenario.fail("calibration.file", fmt::format("{}: {}", file, e.detail()));
  }
  std::vector<std::vector<std::string>> out;
  out.reserve(static_cast<std::size_t>(scenario.replicates()));
  for (int r = 0; r < scenario.replicates(); ++r) {
    out.push_back(posterior_overrides(posterior, scenario.seed(), static_cast<std::uint64_t>(r)));
  }
  return out;
}

}  // namespace sim
