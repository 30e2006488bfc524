// Charts as inline SVG text for the report: fan charts of an ensemble (median and central
// bands over replicates) and horizontal bar charts. No library in Debian draws SVG from C++;
// these write the few elements the report needs, with fixed number formats so that the same
// data always gives the same bytes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sim::report {

// Quantiles over replicates at each time: p05, p25, p50, p75, p95 (type 7, sim::quantile).
struct Fan {
  std::vector<double> p05, p25, p50, p75, p95;
};

// The quantiles of `values` [replicate][time] (row-major, `steps` per replicate) at each time;
// NaN values are left out (a quantile of none is NaN and is not drawn).
Fan fan_of(const std::vector<double>& values, std::size_t replicates, std::size_t steps);

struct FanChart {
  std::string title;      // drawn above the plot
  std::string y_label;    // unit of the values, e.g. "bn yuan/year"
  std::vector<double> x;  // decimal years
  Fan fan;
  std::vector<std::pair<std::string, double>> marks;      // horizontal lines (label, y)
  std::vector<std::pair<std::string, double>> deadlines;  // vertical lines (label, x)
  int width = 300, height = 190;
};

// An <svg> element: the 90% band, the 50% band, the median, marks dashed, deadlines dotted;
// the y axis starts at zero unless a value is negative.
std::string fan_chart_svg(const FanChart& chart);

struct Bar {
  std::string label;
  double value = 0.0, low = 0.0, high = 0.0;  // the median and a 90% interval
};

// An <svg> element: one horizontal bar per entry with its interval as a whisker, in the order
// given, the value printed at its end with `unit`.
std::string bar_chart_svg(const std::vector<Bar>& bars, const std::string& unit, int width = 620);

// Axis ticks: about `count` round numbers (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int count);

// Text with &, <, >, " and ' escaped for HTML and SVG.
std::string escape(const std::string& text);

}  // namespace sim::report
