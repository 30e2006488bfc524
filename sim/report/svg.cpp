#include "sim/report/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/run/goals.hpp"

namespace sim::report {
namespace {

// Plot margins (px): room for the title above, tick labels left and below.
constexpr double kLeft = 46.0, kRight = 8.0, kTop = 32.0, kBottom = 20.0;

// A tick label: as short as it can be while telling ticks apart (0.5, 20, 1e+03 as 1000).
std::string tick_text(double v) {
  if (std::abs(v) < 1e-12) return "0";
  return fmt::format("{:.4g}", v);
}

struct Scale {
  double from_lo, from_hi, to_lo, to_hi;
  double operator()(double v) const {
    if (from_hi == from_lo) return (to_lo + to_hi) / 2.0;
    return to_lo + (v - from_lo) / (from_hi - from_lo) * (to_hi - to_lo);
  }
};

// Runs of consecutive indices where every series is finite: a band or line is drawn per run.
std::vector<std::pair<std::size_t, std::size_t>> finite_runs(
    const std::vector<const std::vector<double>*>& series, std::size_t n) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  std::size_t start = n;
  for (std::size_t i = 0; i <= n; ++i) {
    bool ok = i < n;
    for (const auto* s : series) ok = ok && std::isfinite((*s)[i]);
    if (ok && start == n) start = i;
    if (!ok && start != n) {
      runs.emplace_back(start, i);
      start = n;
    }
  }
  return runs;
}

std::string band_polygon(const std::vector<double>& x, const std::vector<double>& lo,
                         const std::vector<double>& hi, const Scale& sx, const Scale& sy,
                         const char* css_class) {
  std::string out;
  for (const auto& [first, last] : finite_runs({&lo, &hi}, x.size())) {
    std::string points;
    for (std::size_t i = first; i < last; ++i) {
      points += fmt::format("{:.1f},{:.1f} ", sx(x[i]), sy(hi[i]));
    }
    for (std::size_t i = last; i-- > first;) {
      points += fmt::format("{:.1f},{:.1f} ", sx(x[i]), sy(lo[i]));
    }
    points.pop_back();
    out += fmt::format(R"(<polygon class="{}" points="{}"/>)", css_class, points);
  }
  return out;
}

std::string polyline(const std::vector<double>& x, const std::vector<double>& y, const Scale& sx,
                     const Scale& sy) {
  std::string out;
  for (const auto& [first, last] : finite_runs({&y}, x.size())) {
    std::string points;
    for (std::size_t i = first; i < last; ++i) {
      points += fmt::format("{:.1f},{:.1f} ", sx(x[i]), sy(y[i]));
    }
    points.pop_back();
    out += fmt::format(R"(<polyline class="median" points="{}"/>)", points);
  }
  return out;
}

// The largest finite value of the chart (bands, marks), and the smallest, at most 0.
std::pair<double, double> value_range(const FanChart& c) {
  double lo = 0.0, hi = 0.0;
  for (const auto* s : {&c.fan.p05, &c.fan.p95, &c.fan.p50}) {
    for (double v : *s) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  for (const auto& [label, v] : c.marks) hi = std::max(hi, v);
  if (hi == lo) hi = lo + 1.0;  // an all-zero chart still has an axis
  return {lo, hi};
}

}  // namespace

Fan fan_of(const std::vector<double>& values, std::size_t replicates, std::size_t steps) {
  Fan f;
  for (std::size_t t = 0; t < steps; ++t) {
    std::vector<double> column;
    for (std::size_t r = 0; r < replicates; ++r) {
      const double v = values[r * steps + t];
      if (std::isfinite(v)) column.push_back(v);
    }
    f.p05.push_back(quantile(column, 0.05));
    f.p25.push_back(quantile(column, 0.25));
    f.p50.push_back(quantile(column, 0.50));
    f.p75.push_back(quantile(column, 0.75));
    f.p95.push_back(quantile(column, 0.95));
  }
  return f;
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo) || count < 1) return {lo};
  const double raw = (hi - lo) / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  // Counted in whole steps, so that rounding does not add up along the axis.
  const auto first = static_cast<long long>(std::ceil(lo / step - 1e-9));
  const auto last = static_cast<long long>(std::floor(hi / step + 1e-9));
  std::vector<double> ticks;
  for (long long k = first; k <= last; ++k) ticks.push_back(static_cast<double>(k) * step);
  return ticks;
}

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string fan_chart_svg(const FanChart& c) {
  const double w = c.width, h = c.height;
  const auto [lo, hi_value] = value_range(c);
  const std::vector<double> y_ticks = nice_ticks(lo, hi_value, 4);
  const double hi = std::max(hi_value, y_ticks.back());
  const double x_lo = c.x.empty() ? 0.0 : std::floor(c.x.front() - 0.25);
  const double x_hi = c.x.empty() ? 1.0 : std::ceil(c.x.back());
  const Scale sx{x_lo, x_hi, kLeft, w - kRight};
  const Scale sy{lo, hi, h - kBottom, kTop};
  std::string out =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" class="fan" width="{}" height="{}" )"
                  R"(viewBox="0 0 {} {}" role="img" aria-label="{}">)",
                  c.width, c.height, c.width, c.height, escape(c.title));
  out += fmt::format(R"(<text class="title" x="4" y="12">{}</text>)", escape(c.title));
  for (double v : y_ticks) {
    out += fmt::format(R"(<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)"
                       R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)",
                       kLeft, w - kRight, sy(v), sy(v), kLeft - 4.0, sy(v) + 3.5, tick_text(v));
  }
  const int years = static_cast<int>(x_hi - x_lo);
  const int every = years > 8 ? 2 : 1;
  for (int k = 0; k <= years; k += every) {
    const double year = x_lo + k;
    out += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)",
                       sx(year), h - 6.0, static_cast<int>(year));
  }
  out += fmt::format(R"(<text class="unit" x="4" y="{:.1f}">{}</text>)", kTop - 8.0,
                     escape(c.y_label));
  out += band_polygon(c.x, c.fan.p05, c.fan.p95, sx, sy, "band90");
  out += band_polygon(c.x, c.fan.p25, c.fan.p75, sx, sy, "band50");
  out += polyline(c.x, c.fan.p50, sx, sy);
  for (const auto& [label, v] : c.marks) {
    out += fmt::format(
        R"(<line class="mark" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"><title>{})"
        "</title></line>",
        kLeft, w - kRight, sy(v), sy(v), escape(label));
  }
  for (const auto& [label, x] : c.deadlines) {
    if (x < x_lo || x > x_hi) continue;
    out += fmt::format(R"(<line class="deadline" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)"
                       R"(<text class="tick" x="{:.1f}" y="{:.1f}">{}</text>)",
                       sx(x), sx(x), kTop, h - kBottom, sx(x) + 2.0, kTop + 8.0, escape(label));
  }
  out +=
      fmt::format(R"(<line class="axis" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/></svg>)",
                  kLeft, w - kRight, sy(std::max(lo, 0.0)), sy(std::max(lo, 0.0)));
  return out;
}

std::string bar_chart_svg(const std::vector<Bar>& bars, const std::string& unit, int width) {
  constexpr double kRow = 18.0, kLabel = 230.0, kValue = 120.0;
  const double h = kRow * static_cast<double>(bars.size()) + 24.0;
  double hi = 0.0;
  for (const Bar& b : bars) {
    for (double v : {b.value, b.high}) {
      if (std::isfinite(v)) hi = std::max(hi, v);
    }
  }
  if (hi <= 0.0) hi = 1.0;
  const Scale sx{0.0, hi, kLabel, width - kValue};
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="{}" height="{:.0f}" )"
      R"(viewBox="0 0 {} {:.0f}" role="img">)",
      width, h, width, h);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = 4.0 + kRow * static_cast<double>(i);
    const double value = std::isfinite(b.value) ? std::max(b.value, 0.0) : 0.0;
    out += fmt::format(
        R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)"
        R"(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>)",
        kLabel - 6.0, y + 12.0, escape(b.label), kLabel, y + 3.0, sx(value) - kLabel, kRow - 6.0);
    if (std::isfinite(b.low) && std::isfinite(b.high) && b.high > b.low) {
      out +=
          fmt::format(R"(<line class="whisker" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)",
                      sx(std::max(b.low, 0.0)), sx(b.high), y + kRow / 2.0, y + kRow / 2.0);
    }
    out += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}">{:.3g} {}</text>)",
                       sx(std::max(value, std::isfinite(b.high) ? b.high : value)) + 4.0, y + 12.0,
                       b.value, escape(unit));
  }
  out += "</svg>";
  return out;
}

}  // namespace sim::report
