#include "models/stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/core/json.hpp"
#include "sim/run/goals.hpp"

namespace models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// HNTE R&D-intensity thresholds of the national rules (3%, 4%, 5% since 2016; 6% before).
const std::vector<double> kHnteThresholds = {0.03, 0.04, 0.05, 0.06};
constexpr double kBinWidth = 0.005;
constexpr double kTopBin = 0.10;
constexpr double kBunchingWindow = 0.0025;

bool has_column(const sim::Snapshot& s, const std::string& name) {
  return std::find(s.columns.begin(), s.columns.end(), name) != s.columns.end();
}

// Column lookup in a snapshot.
const std::vector<double>& column(const sim::Snapshot& s, const std::string& name) {
  const auto it = std::find(s.columns.begin(), s.columns.end(), name);
  if (it == s.columns.end()) throw std::runtime_error("snapshot lacks column " + name);
  return s.values[static_cast<std::size_t>(it - s.columns.begin())];
}

std::string number(double x) {
  return std::isfinite(x) ? fmt::format("{:.4g}", x) : "n/a";
}

// A replicate, cluster or firm number read from a file: a whole number from 0 to `largest`, or
// the file is unusable (a cast of anything else is undefined, and NaN breaks the maps' order).
std::int64_t whole_number(double value, const char* what, double largest) {
  if (!(value >= 0 && value <= largest) || value != std::floor(value)) {
    throw std::runtime_error(fmt::format("a {} number is {}", what, value));
  }
  return static_cast<std::int64_t>(value);
}

int replicate_number(double value) {
  return static_cast<int>(whole_number(value, "replicate", std::numeric_limits<int>::max()));
}

int cluster_number(double value) {
  return static_cast<int>(whole_number(value, "cluster", std::numeric_limits<int>::max()));
}

// Ids are exact in a double up to 2^53.
std::int64_t firm_number(double value) {
  return whole_number(value, "firm id", 0x1p53);
}

// Per replicate, the rows of a snapshot.
std::map<int, std::vector<std::size_t>> rows_by_replicate(const sim::Snapshot& s) {
  std::map<int, std::vector<std::size_t>> out;
  const auto& rep = column(s, "replicate");
  for (std::size_t i = 0; i < rep.size(); ++i) out[replicate_number(rep[i])].push_back(i);
  return out;
}

// Each row's (replicate, cluster).
std::vector<std::pair<int, int>> replicate_and_cluster(const sim::Snapshot& s) {
  const auto& rep = column(s, "replicate");
  const auto& cluster = column(s, "cluster");
  std::vector<std::pair<int, int>> out(rep.size());
  for (std::size_t i = 0; i < rep.size(); ++i) {
    out[i] = {replicate_number(rep[i]), cluster_number(cluster[i])};
  }
  return out;
}

// Deviation of each row's log-productivity from its replicate-and-cluster mean.
std::vector<double> productivity_deviation(const sim::Snapshot& s) {
  const auto place = replicate_and_cluster(s);
  const auto& a = column(s, "log_productivity");
  std::map<std::pair<int, int>, std::pair<double, double>> mean;  // sum, count
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto& m = mean[place[i]];
    m.first += a[i];
    m.second += 1;
  }
  std::vector<double> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& m = mean[place[i]];
    out[i] = a[i] - m.first / m.second;
  }
  return out;
}

// Each row's (replicate, firm id): the same firm in two snapshots.
std::vector<std::pair<int, std::int64_t>> replicate_and_firm(const sim::Snapshot& s) {
  const auto& rep = column(s, "replicate");
  const auto& id = column(s, "id");
  std::vector<std::pair<int, std::int64_t>> out(rep.size());
  for (std::size_t i = 0; i < rep.size(); ++i) {
    out[i] = {replicate_number(rep[i]), firm_number(id[i])};
  }
  return out;
}

}  // namespace

double hill_tail_exponent(std::vector<double> sizes, std::size_t k) {
  std::erase_if(sizes, [](double x) { return !(x > 0); });
  if (k < 2 || sizes.size() <= k) return kNaN;
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  double total = 0;
  for (std::size_t i = 0; i < k; ++i) total += std::log(sizes[i] / sizes[k]);
  return total > 0 ? static_cast<double>(k) / total : kNaN;
}

GrowthShape growth_shape(const std::vector<double>& g) {
  GrowthShape out;
  out.n = g.size();
  if (g.size() < 4) {
    out.mean = out.sd = out.kurtosis = out.laplace_location = out.laplace_scale = kNaN;
    out.loglik_laplace_minus_normal = kNaN;
    return out;
  }
  const auto n = static_cast<double>(g.size());
  double sum = 0;
  for (double x : g) sum += x;
  out.mean = sum / n;
  double m2 = 0, m4 = 0;
  for (double x : g) {
    const double d = x - out.mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  out.sd = std::sqrt(m2);
  out.kurtosis = m2 > 0 ? m4 / (m2 * m2) : kNaN;
  out.laplace_location = sim::quantile(g, 0.5);
  double abs_dev = 0;
  for (double x : g) abs_dev += std::abs(x - out.laplace_location);
  out.laplace_scale = abs_dev / n;
  // Maximised log-likelihoods per observation: Laplace -ln(2b) - 1, normal -ln(s sqrt(2 pi)) - 1/2.
  if (out.laplace_scale > 0 && out.sd > 0) {
    out.loglik_laplace_minus_normal = (-std::log(2 * out.laplace_scale) - 1.0) -
                                      (-std::log(out.sd * std::sqrt(2 * std::numbers::pi)) - 0.5);
  } else {
    out.loglik_laplace_minus_normal = kNaN;
  }
  return out;
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return kNaN;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : kNaN;
}

// Firms younger than this many quarters count as young in the finance shares.
constexpr double kYoungQuarters = 12;

void count_short_of_funds(const std::vector<sim::Snapshot>& snapshots, StatsReport& out) {
  std::array<double, 3> short_type{}, n_type{};
  std::array<double, 2> short_age{}, n_age{};
  for (const sim::Snapshot& s : snapshots) {
    if (!has_column(s, "short_of_funds")) {
      out.short_of_funds_by_type.fill(kNaN);
      out.short_of_funds_by_age.fill(kNaN);
      return;
    }
    const auto& flag = column(s, "short_of_funds");
    const auto& type = column(s, "type");
    const auto& age = column(s, "age");
    for (std::size_t i = 0; i < flag.size(); ++i) {
      const bool is_short = flag[i] != 0;
      if (type[i] >= 0 && type[i] < 3) {
        const auto t = static_cast<std::size_t>(type[i]);
        n_type[t] += 1;
        short_type[t] += is_short ? 1 : 0;
      }
      const std::size_t young = age[i] < kYoungQuarters ? 0 : 1;
      n_age[young] += 1;
      short_age[young] += is_short ? 1 : 0;
    }
  }
  for (std::size_t t = 0; t < 3; ++t)
    out.short_of_funds_by_type[t] = n_type[t] > 0 ? short_type[t] / n_type[t] : kNaN;
  for (std::size_t a = 0; a < 2; ++a)
    out.short_of_funds_by_age[a] = n_age[a] > 0 ? short_age[a] / n_age[a] : kNaN;
}

StatsReport firm_stats(const std::vector<sim::Snapshot>& snapshots,
                       const std::vector<std::string>& dates) {
  StatsReport out;
  if (snapshots.empty()) return out;
  out.first_date = dates.front();
  out.last_date = dates.back();
  const sim::Snapshot& last = snapshots.back();
  out.firms_last = last.rows();

  // Size: Hill exponent of annual sales over the top 5% of firms (at least 10) per replicate.
  std::vector<double> tails;
  const auto& sales_last = column(last, "sales");
  for (const auto& [r, rows] : rows_by_replicate(last)) {
    std::vector<double> sizes;
    for (std::size_t i : rows) sizes.push_back(4 * sales_last[i]);
    const std::size_t k = std::max<std::size_t>(10, sizes.size() / 20);
    const double alpha = hill_tail_exponent(sizes, k);
    if (std::isfinite(alpha)) tails.push_back(alpha);
  }
  out.tail_exponent = sim::quantile(tails, 0.5);

  // Growth and persistence: firms present in consecutive snapshots (same replicate and id).
  std::vector<double> growth, before, after;
  // Each snapshot's deviations and firm keys are worked out once and carried to the next pair.
  // (snapshots is not empty: see the top.)
  std::vector<double> dev_a = productivity_deviation(snapshots[0]), dev_b;
  std::vector<std::pair<int, std::int64_t>> firm_a = replicate_and_firm(snapshots[0]), firm_b;
  for (std::size_t s = 0; s + 1 < snapshots.size(); ++s) {
    const auto& a = snapshots[s];
    const auto& b = snapshots[s + 1];
    if (s > 0) {
      dev_a = std::move(dev_b);
      firm_a = std::move(firm_b);
    }
    dev_b = productivity_deviation(b);
    firm_b = replicate_and_firm(b);
    std::map<std::pair<int, std::int64_t>, std::size_t> where;
    for (std::size_t i = 0; i < firm_a.size(); ++i) where[firm_a[i]] = i;
    const auto& sales_a = column(a, "sales");
    const auto& sales_b = column(b, "sales");
    for (std::size_t j = 0; j < firm_b.size(); ++j) {
      const auto it = where.find(firm_b[j]);
      if (it == where.end()) continue;
      const std::size_t i = it->second;
      if (sales_a[i] > 0 && sales_b[j] > 0) {
        // Only finite growth: infinite sales (a damaged file's) give NaN, which quantiles refuse.
        const double g = std::log(sales_b[j] / sales_a[i]);
        if (std::isfinite(g)) growth.push_back(g);
      }
      before.push_back(dev_a[i]);
      after.push_back(dev_b[j]);
    }
  }
  out.growth = growth_shape(growth);
  out.productivity_persistence = correlation(before, after);

  // Productivity dispersion within clusters with at least 10 firms. A log-productivity that is
  // not finite (NaN or infinite: only in a damaged file, the model's are finite) is left out, as
  // a NaN R&D intensity is left out of the histogram below: quantiles refuse NaN, and an
  // infinity makes the 90/10 ratio NaN.
  std::map<std::pair<int, int>, std::vector<double>> by_cluster;
  const auto place = replicate_and_cluster(last);
  const auto& a = column(last, "log_productivity");
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isfinite(a[i])) by_cluster[place[i]].push_back(a[i]);
  }
  std::vector<double> ratios;
  for (const auto& [k, values] : by_cluster) {
    if (values.size() < 10) continue;
    // Extreme but finite values can still make it NaN: both quantiles overflow to infinity.
    const double ratio = std::exp(sim::quantile(values, 0.9) - sim::quantile(values, 0.1));
    if (!std::isnan(ratio)) ratios.push_back(ratio);
  }
  out.productivity_90_10 = sim::quantile(ratios, 0.5);

  // R&D intensity (reported R&D over sales) at the last snapshot.
  const auto& rd = column(last, "rd_reported");
  std::vector<double> intensity;
  for (std::size_t i = 0; i < rd.size(); ++i) {
    if (sales_last[i] > 0) intensity.push_back(rd[i] / sales_last[i]);
  }
  const auto bins = static_cast<std::size_t>(std::lround(kTopBin / kBinWidth)) + 1;
  out.rd_bins.resize(bins);
  out.rd_shares.assign(bins, 0.0);
  for (std::size_t b = 0; b < bins; ++b) out.rd_bins[b] = static_cast<double>(b) * kBinWidth;
  const double n = std::max<double>(1.0, static_cast<double>(intensity.size()));
  for (double x : intensity) {
    if (std::isnan(x)) continue;  // only in a damaged file; the model's intensities are finite
    // A small tolerance keeps firms reporting exactly a threshold in the bin starting there.
    const double bin = std::floor(x / kBinWidth + 1e-9);
    out.rd_shares[static_cast<std::size_t>(std::clamp(bin, 0.0, static_cast<double>(bins - 1)))] +=
        1.0 / n;
  }
  out.thresholds = kHnteThresholds;
  for (double t : kHnteThresholds) {
    double above = 0, below = 0;
    for (double x : intensity) {
      if (x >= t - 1e-9 && x < t + kBunchingWindow) above += 1;
      if (x >= t - kBunchingWindow && x < t - 1e-9) below += 1;
    }
    out.bunching.push_back(below > 0 ? above / below : kNaN);
  }
  count_short_of_funds(snapshots, out);
  return out;
}

const std::vector<sim::MetricInfo>& fact_infos() {
  static const std::vector<sim::MetricInfo> infos = [] {
    std::vector<sim::MetricInfo> out = {
        {"size_tail_exponent", "1",
         "Hill exponent of annual sales over the largest 5% of firms (at least 10), last snapshot"},
        {"growth_sd", "1", "standard deviation of firms' annual log sales growth"},
        {"growth_kurtosis", "1",
         "kurtosis of firms' annual log sales growth (normal 3, Laplace 6)"},
        {"productivity_90_10", "1",
         "exp(a90 - a10): the 90th over the 10th percentile of productivity within a cluster"},
        {"productivity_persistence", "1",
         "correlation of a firm's productivity deviation from its cluster mean a year apart"}};
    for (const double t : kHnteThresholds) {
      out.push_back({fmt::format("rd_bunching_{:.0f}pct", 100 * t), "1",
                     fmt::format("firms with R&D intensity just above {:.0f}% over those just "
                                 "below (within {:.1f} points each side)",
                                 100 * t, 100 * kBunchingWindow)});
    }
    return out;
  }();
  return infos;
}

std::vector<double> fact_values_of(const StatsReport& r) {
  std::vector<double> out = {r.tail_exponent, r.growth.sd, r.growth.kurtosis, r.productivity_90_10,
                             r.productivity_persistence};
  for (std::size_t t = 0; t < kHnteThresholds.size(); ++t) {
    out.push_back(t < r.bunching.size() ? r.bunching[t] : kNaN);
  }
  return out;
}

std::string stats_text(const StatsReport& r) {
  std::string out;
  out += fmt::format("Firm snapshots {} to {} ({} firms at the last, all replicates)\n",
                     r.first_date, r.last_date, r.firms_last);
  out += fmt::format("size: Pareto upper-tail exponent (Hill, top 5%) median {} (Zipf: about 1)\n",
                     number(r.tail_exponent));
  out += fmt::format(
      "growth: annual log sales growth of {} firm-years: mean {}, sd {}, kurtosis {} (normal 3, "
      "Laplace 6)\n",
      r.growth.n, number(r.growth.mean), number(r.growth.sd), number(r.growth.kurtosis));
  out += fmt::format(
      "        Laplace fit: location {}, scale {}; log-likelihood gain over a normal {} per "
      "firm-year (> 0 favours Laplace)\n",
      number(r.growth.laplace_location), number(r.growth.laplace_scale),
      number(r.growth.loglik_laplace_minus_normal));
  out += fmt::format(
      "productivity: 90/10 ratio within clusters, median {} (US manufacturing about 2); "
      "persistence (year-on-year correlation of the gap to the cluster mean) {}\n",
      number(r.productivity_90_10), number(r.productivity_persistence));
  out += "R&D intensity (reported R&D / sales), share of firms by bin:\n";
  for (std::size_t b = 0; b < r.rd_bins.size(); ++b) {
    const bool top = b + 1 == r.rd_bins.size();
    const std::string label =
        top ? fmt::format(">= {:.1f}%", 100 * r.rd_bins[b])
            : fmt::format("{:.1f}-{:.1f}%", 100 * r.rd_bins[b], 100 * (r.rd_bins[b] + kBinWidth));
    const auto bar = static_cast<std::size_t>(std::lround(r.rd_shares[b] * 100));
    out += fmt::format("    {:>11} {:6.2f}% {}\n", label, 100 * r.rd_shares[b],
                       std::string(std::min<std::size_t>(bar, 60), '#'));
  }
  for (std::size_t t = 0; t < r.thresholds.size(); ++t) {
    out += fmt::format(
        "    HNTE threshold {:.0f}%: firms just above / just below (0.25 points) = {}\n",
        100 * r.thresholds[t], number(r.bunching[t]));
  }
  const auto& t = r.short_of_funds_by_type;
  const auto& a = r.short_of_funds_by_age;
  out += fmt::format(
      "finance: share of firms whose R&D or investment was cut to their cash and credit "
      "(Q4 of each year): backbone {}, SMEs {}, startups {}; younger than 3 years {}, older {}\n",
      number(t[0]), number(t[1]), number(t[2]), number(a[0]), number(a[1]));
  return out;
}

// Statistics that cannot be computed (too few firms) are null.
std::string stats_json(const StatsReport& r) {
  const nlohmann::ordered_json report = {
      {"first", r.first_date},
      {"last", r.last_date},
      {"firms_last", r.firms_last},
      {"tail_exponent", r.tail_exponent},
      {"growth",
       {{"n", r.growth.n},
        {"mean", r.growth.mean},
        {"sd", r.growth.sd},
        {"kurtosis", r.growth.kurtosis},
        {"laplace_location", r.growth.laplace_location},
        {"laplace_scale", r.growth.laplace_scale},
        {"loglik_laplace_minus_normal", r.growth.loglik_laplace_minus_normal}}},
      {"productivity_90_10", r.productivity_90_10},
      {"productivity_persistence", r.productivity_persistence},
      {"rd_bins", r.rd_bins},
      {"rd_shares", r.rd_shares},
      {"hnte_thresholds", r.thresholds},
      {"bunching", r.bunching},
      {"short_of_funds",
       {{"backbone", r.short_of_funds_by_type[0]},
        {"sme", r.short_of_funds_by_type[1]},
        {"startup", r.short_of_funds_by_type[2]},
        {"young", r.short_of_funds_by_age[0]},
        {"older", r.short_of_funds_by_age[1]}}}};
  return sim::json_text(report);
}

}  // namespace models
