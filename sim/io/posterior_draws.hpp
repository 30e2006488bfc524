// Parameter uncertainty carried into runs: a scenario that names a calibration's result file
// (`calibration.file`) runs each replicate with the settings of one particle of its posterior,
// drawn by weight from a stream keyed by the run's seed and the replicate, so the draw is the
// same whatever runs the replicate (an ensemble, a sweep run, a counterfactual).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace sim {

// The filetype attribute of `clustersim calibrate`'s result files.
inline constexpr const char* kCalibrationFiletype = "clustersim-calibration";

// A calibration's posterior, as runs draw from it.
struct Posterior {
  std::string file;
  std::vector<std::string> keys;               // the fitted settings
  std::vector<std::vector<double>> particles;  // [particle][setting]
  std::vector<double> weights;                 // normalised
};

// Reads the posterior of a calibration result file; InputError naming the file when it is not
// one (seal, filetype) or its arrays disagree.
Posterior read_posterior(const std::string& path);

// The particle replicate `replicate` of a run with seed `seed` draws.
std::size_t posterior_draw(const Posterior& posterior, std::uint64_t seed, std::uint64_t replicate);

// The "key=value" overrides (exact, %.17g) of that particle.
std::vector<std::string> posterior_overrides(const Posterior& posterior, std::uint64_t seed,
                                             std::uint64_t replicate);

// Per replicate of `scenario`: the overrides its calibration.file's posterior gives, or an
// empty list when the scenario names no calibration.
std::vector<std::vector<std::string>> replicate_overrides(const Scenario& scenario);

}  // namespace sim
