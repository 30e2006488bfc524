// What a calibration's posterior says: each parameter's median and 90% interval against its
// prior's, how much the data narrowed it (the shrinkage), the correlations, and each target's
// fit as the posterior's band of model values against the observation. The numbers of
// `clustersim posterior` and of Python's load_calibration.
#pragma once

#include <string>
#include <vector>

#include "sim/calibrate/result.hpp"

namespace sim {

// A parameter whose posterior 90% interval is at least this share of its prior's is flagged
// as weakly identified: the targets barely constrain it.
inline constexpr double kWeaklyIdentified = 0.7;

struct ParameterSummary {
  std::string name;
  std::string prior;                                       // "uniform [0.01, 0.1]"
  double prior_median = 0, prior_low = 0, prior_high = 0;  // 5% and 95%
  double median = 0, low = 0, high = 0;                    // posterior, weighted
  double shrinkage = 0;                                    // posterior 90% width over the prior's
  bool weakly_identified = false;
};

struct TargetFit {
  std::string name;
  double observed = 0, se = 0, scale = 0;
  double median = 0, low = 0, high = 0;  // the posterior's model values: 50%, 5%, 95%
  double z = 0;                          // (median - observed) / scale
  bool held_out = false;                 // predicted, not fitted
  bool inside = false;                   // the observation lies in the 90% band
};

struct PosteriorSummary {
  std::vector<ParameterSummary> parameters;
  std::vector<std::vector<double>> correlations;  // weighted, [parameter][parameter]
  std::vector<TargetFit> fit;
  std::size_t generations = 0, particles = 0, runs = 0;
  double tolerance = 0, ess = 0;
  std::string stop_reason;
};

PosteriorSummary summarise_posterior(const CalibrationFile& file);

// The summary as text for a terminal, or as one JSON document.
std::string posterior_report(const PosteriorSummary& summary, bool json);

}  // namespace sim
