// `clustersim report`: one self-contained HTML document of a result file that can be emailed
// and printed (inline CSS and SVG, no scripts, no network references). It reads ensemble
// results (with or without a counterfactual), sweep results and calibration results; the same
// file and options always give the same bytes.
#pragma once

#include <string>

#include "sim/run/model.hpp"

namespace sim::report {

struct ReportOptions {
  // The date printed in the report ("2026-12-04"); empty: SOURCE_DATE_EPOCH when set, else the
  // date the result file was written (its `created` attribute), never today's.
  std::string date;
  // Resamples of the bootstrap intervals of a saltelli sweep's Sobol indices.
  std::size_t bootstrap = 200;
};

// The report of `path`. Throws InputError naming the file for a file it cannot read, and for
// a SOURCE_DATE_EPOCH that is not a whole number of seconds.
std::string report_html(const std::string& path, const Model& model, const ReportOptions& options);

// The date the report prints for `options` and a file written at `created` (ISO 8601).
std::string report_date(const ReportOptions& options, const std::string& created);

}  // namespace sim::report
