#include "sim/report/report.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>

#include "sim/analysis/sensitivity.hpp"
#include "sim/calibrate/posterior.hpp"
#include "sim/config/scenario_diff.hpp"
#include "sim/core/calendar.hpp"
#include "sim/core/checked.hpp"
#include "sim/core/errors.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/io/result_file.hpp"
#include "sim/io/seal.hpp"
#include "sim/report/svg.hpp"
#include "sim/run/goals.hpp"
#include "sim/sweep/reading.hpp"

namespace sim::report {
namespace {

namespace fs = std::filesystem;

// Print-friendly and readable without scripts; the charts' classes are styled here.
constexpr const char* kStyle = R"(
body { font-family: "Noto Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
       margin: 2em auto; max-width: 60em; color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.6em;
     border-bottom: 1px solid #ccc; } .sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left;
         vertical-align: top; } td.num { text-align: right; white-space: nowrap; }
.note { color: #555; font-size: 0.9em; } .unreachable { color: #a40000; }
.fans { display: flex; flex-wrap: wrap; gap: 0.4em; } .keep { break-inside: avoid; }
pre { font-size: 0.75em; background: #f6f6f6; padding: 0.6em; white-space: pre-wrap; }
svg text { font-family: inherit; } svg .title { font-size: 11px; font-weight: bold; }
svg .tick, svg .unit { font-size: 9px; fill: #444; } svg .grid { stroke: #e6e6e6; }
svg .axis { stroke: #888; } svg .band90 { fill: #c6dbef; } svg .band50 { fill: #6baed6; }
svg .median { fill: none; stroke: #08306b; stroke-width: 1.5; }
svg .mark { stroke: #a40000; stroke-dasharray: 4 3; } svg .deadline { stroke: #555;
stroke-dasharray: 1 2; } svg .bar { fill: #6baed6; } svg .whisker { stroke: #08306b; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               svg, table { break-inside: avoid; } }
)";

// --- reading ---------------------------------------------------------------------------------

std::string text_attribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return "";
  h5::Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  h5::Handle type(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(type) == H5T_STRING) return h5::read_string_attribute(object, name);
  if (H5Tget_class(type) != H5T_INTEGER) return "";
  std::string out;
  for (std::int64_t v : h5::read_int_attribute(object, name)) {
    if (!out.empty()) out += '.';
    out += std::to_string(v);
  }
  return out;
}

std::string scalar_text(hid_t file, const std::string& dataset) {
  if (!h5::exists(file, dataset)) return "";
  const auto texts = h5::read_strings(h5::open_dataset(file, dataset));
  return texts.size() == 1 ? texts[0] : "";
}

// The seal's lines after its header ("bytes N", "crc32 X") as one line.
std::string seal_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string block(kSealBytes, '\0');
  in.read(block.data(), static_cast<std::streamsize>(block.size()));
  block.resize(static_cast<std::size_t>(in.gcount()));
  block = block.substr(0, block.find('\0'));
  const std::string header = kSealHeader;
  if (block.rfind(header, 0) == 0) block = block.substr(header.size());
  std::replace(block.begin(), block.end(), '\n', ' ');
  while (!block.empty() && block.back() == ' ') block.pop_back();
  return block;
}

std::string hash_text(const std::string& text) {
  Fnv1a h;
  h.text(text);
  return fmt::format("{:016x}", h.value());
}

// The axes a result file's metrics are laid out on.
struct Axes {
  std::vector<double> years;  // decimal year at each quarter's end
  std::vector<std::string> labels, cluster_ids, names, names_zh;
  std::size_t replicates = 0;
};

std::size_t dimension_length(hid_t file, const std::string& name, const Location& where) {
  const auto shape = h5::shape_of(h5::open_dataset(file, name));
  if (shape.size() != 1) {
    throw InputError(where, "", fmt::format("the dimension /{} is not one axis", name));
  }
  return shape[0];
}

std::vector<std::string> strings_sized(hid_t file, const std::string& dataset, std::size_t n,
                                       const Location& where) {
  if (!h5::exists(file, dataset)) return std::vector<std::string>(n);
  auto values = h5::read_strings(h5::open_dataset(file, dataset));
  if (values.size() != n) {
    throw InputError(where, "",
                     fmt::format("/{} has {} entries for {}", dataset, values.size(), n));
  }
  return values;
}

Axes read_axes(hid_t file, const Location& where) {
  Axes a;
  const std::size_t steps = dimension_length(file, "time", where);
  const std::size_t clusters = dimension_length(file, "cluster", where);
  a.replicates = dimension_length(file, "replicate", where);
  // Result schema 1.0 kept the decimal year at /time; 1.1 keeps it in /coords/time_year.
  a.years = h5::read_doubles(
      h5::open_dataset(file, h5::exists(file, "coords/time_year") ? "coords/time_year" : "time"));
  if (a.years.size() != steps) throw InputError(where, "", "the time axis disagrees with /time");
  for (double y : a.years) {
    if (!std::isfinite(y) || y < 1000.0 || y > 3000.0) {
      throw InputError(where, "", fmt::format("the time axis holds {}, not a decimal year", y));
    }
  }
  a.labels = strings_sized(file, "coords/time_label", steps, where);
  a.cluster_ids = strings_sized(file, "cluster", clusters, where);
  a.names = strings_sized(file, "coords/cluster_name", clusters, where);
  a.names_zh = strings_sized(file, "coords/cluster_name_zh", clusters, where);
  return a;
}

// A metric of an ensemble, [replicate][time][cluster], or nothing when the file lacks it.
std::optional<std::vector<double>> read_metric(hid_t file, const std::string& dataset,
                                               const Axes& a, const Location& where) {
  if (!h5::exists(file, dataset)) return std::nullopt;
  h5::Handle ds = h5::open_dataset(file, dataset);
  const std::vector<hsize_t> expected{a.replicates, a.years.size(), a.cluster_ids.size()};
  if (h5::shape_of(ds) != expected) {
    throw InputError(where, "", fmt::format("/{} is not [replicate, time, cluster]", dataset));
  }
  return h5::read_doubles(ds);
}

// One cluster's [replicate][time] block of a metric.
std::vector<double> cluster_series(const std::vector<double>& m, const Axes& a, std::size_t c) {
  const std::size_t steps = a.years.size(), clusters = a.cluster_ids.size();
  std::vector<double> out(a.replicates * steps);
  for (std::size_t r = 0; r < a.replicates; ++r) {
    for (std::size_t t = 0; t < steps; ++t) out[r * steps + t] = m[(r * steps + t) * clusters + c];
  }
  return out;
}

// A number setting of a resolved scenario (YAML), when it is one plain number.
std::optional<double> scenario_number(const std::string& yaml, const std::string& key) {
  if (key.empty() || yaml.empty()) return std::nullopt;
  try {
    YAML::Node node = YAML::Load(yaml);
    std::size_t from = 0;
    while (node && node.IsMap()) {
      const std::size_t dot = key.find('.', from);
      node = node[key.substr(from, dot == std::string::npos ? std::string::npos : dot - from)];
      if (dot == std::string::npos) break;
      from = dot + 1;
    }
    if (!node || !node.IsScalar()) return std::nullopt;
    return node.as<double>();
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

std::string scenario_text_of(const std::string& yaml, const std::string& key) {
  try {
    const YAML::Node node = YAML::Load(yaml)[key];
    return node && node.IsScalar() ? node.Scalar() : "";
  } catch (const YAML::Exception&) {
    return "";
  }
}

// --- formatting ------------------------------------------------------------------------------

// Money in files is yuan; people read bn yuan, with the unit printed.
struct Shown {
  double scale;
  std::string unit;
};
Shown shown(const std::string& unit) {
  if (unit.rfind("yuan", 0) == 0 && unit.find("yuan/yuan") == std::string::npos) {
    return {1e9, "bn " + unit};
  }
  return {1.0, unit};
}

std::string number(double v) {
  return std::isfinite(v) ? fmt::format("{:.4g}", v) : "n/a";
}

std::string percent(double share) {
  return std::isfinite(share) ? fmt::format("{:.0f}%", 100.0 * share) : "n/a";
}

std::string cluster_title(const Axes& a, std::size_t c) {
  std::string t = a.cluster_ids[c];
  if (!a.names[c].empty()) t += " " + a.names[c];
  if (!a.names_zh[c].empty()) t += " " + a.names_zh[c];
  return t;
}

std::string goal_table(const std::vector<GoalSummary>& goals) {
  std::string out =
      "<table><tr><th>goal</th><th>deadline</th><th>chance met (90% interval)</th>"
      "<th>value at the deadline: median (5%–95%)</th><th>public money to the deadline: "
      "median, bn yuan</th></tr>";
  for (const GoalSummary& s : goals) {
    const GoalDefinition& g = s.goal;
    std::string chance;
    if (!g.unreachable.empty()) {
      chance = R"(<span class="unreachable">unreachable: )" + escape(g.unreachable) + "</span>";
    } else if (s.decided == 0) {
      chance = "not decided: the run ends before the deadline";
    } else {
      chance = fmt::format("{} ({}–{}) of {} replicates", percent(s.share_met),
                           percent(s.share_met_low), percent(s.share_met_high), s.decided);
    }
    const std::string value =
        s.decided == 0 ? "n/a"
                       : fmt::format("{} ({}–{}) {}", number(s.value_median), number(s.value_p05),
                                     number(s.value_p95), escape(g.unit));
    out += fmt::format(R"(<tr><td><b>{}</b> {}</td><td>{}</td><td>{}</td><td class="num">{}</td>)"
                       R"(<td class="num">{}</td></tr>)",
                       escape(g.id), escape(g.description), quarter_label_at(g.deadline), chance,
                       value, number(s.cost_median / 1e9));
  }
  return out + "</table>";
}

std::string comparison_table(const std::vector<ComparisonSummary>& measures) {
  std::string out = "<table><tr><th>measure</th><th>median</th><th>90% interval</th></tr>";
  for (const ComparisonSummary& c : measures) {
    const Shown s = shown(c.unit);
    out += fmt::format(
        R"(<tr><td>{}</td><td class="num">{} {}</td><td class="num">{} to {}</td></tr>)",
        escape(c.description), number(c.median / s.scale), escape(s.unit), number(c.p05 / s.scale),
        number(c.p95 / s.scale));
  }
  return out + "</table>";
}

// --- ensemble result files -------------------------------------------------------------------

struct Ensemble {
  std::string path;
  Axes axes;
  std::string scenario, counterfactual_scenario;
  GoalResults goals;
  std::optional<std::vector<double>> fan, counterfactual_fan;
  std::string fan_unit;
  std::vector<Bar> costs;
};

// Each lever's public money: the total over the run and the clusters, per replicate.
std::vector<Bar> lever_costs(hid_t file, const Model& model, const Axes& a, const Location& where) {
  std::vector<Bar> bars;
  for (const std::string& name : model.report_layout().cost_metrics) {
    const auto m = read_metric(file, "metrics/" + name, a, where);
    if (!m) continue;
    const std::size_t block = a.years.size() * a.cluster_ids.size();
    std::vector<double> totals;
    for (std::size_t r = 0; r < a.replicates; ++r) {
      double sum = 0.0;
      for (std::size_t i = 0; i < block; ++i) sum += (*m)[r * block + i];
      if (std::isfinite(sum)) totals.push_back(sum / 1e9);
    }
    const std::string label = name.rfind("fiscal_cost_", 0) == 0 ? name.substr(12) : name;
    bars.push_back({label, quantile(totals, 0.5), quantile(totals, 0.05), quantile(totals, 0.95)});
  }
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& x, const Bar& y) {
    return (std::isfinite(x.value) ? x.value : 0.0) > (std::isfinite(y.value) ? y.value : 0.0);
  });
  return bars;
}

Ensemble read_ensemble(hid_t file, const std::string& path, const Model& model) {
  const Location where{path, 0, 0};
  Ensemble e;
  e.path = path;
  e.axes = read_axes(file, where);
  e.scenario = scalar_text(file, "scenario");
  e.counterfactual_scenario = scalar_text(file, "counterfactual/scenario");
  e.goals = read_goal_results(path);
  const ReportLayout layout = model.report_layout();
  if (!layout.fan_metric.empty()) {
    e.fan = read_metric(file, "metrics/" + layout.fan_metric, e.axes, where);
    e.counterfactual_fan =
        read_metric(file, "counterfactual/metrics/" + layout.fan_metric, e.axes, where);
    if (e.fan)
      e.fan_unit = text_attribute(h5::open_dataset(file, "metrics/" + layout.fan_metric), "units");
  }
  e.costs = lever_costs(file, model, e.axes, where);
  return e;
}

std::vector<std::pair<std::string, double>> goal_deadlines(const GoalResults& goals) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& g : goals.goals) {
    const auto same =
        std::find_if(out.begin(), out.end(), [&](const auto& d) { return d.second == g.deadline; });
    if (same == out.end()) {
      out.emplace_back(g.id, g.deadline);
    } else {
      same->first += "," + g.id;
    }
  }
  return out;
}

std::string cluster_fans(const Ensemble& e, const Model& model) {
  const Shown s = shown(e.fan_unit);
  const ReportLayout layout = model.report_layout();
  const auto mark = scenario_number(e.scenario, layout.mark_setting);
  std::string out = fmt::format(
      R"(<h2>Each cluster: {}</h2><p class="note">Median (line), central 50% and 90% of {} )"
      "replicates (bands), in {}.{} Dotted lines are the goals' deadlines.</p><div "
      R"(class="fans">)",
      escape(layout.fan_metric), e.axes.replicates, escape(s.unit),
      mark ? fmt::format(" The dashed line is {} = {} {}.", escape(layout.mark_setting),
                         number(*mark / s.scale), escape(s.unit))
           : "");
  const auto deadlines = goal_deadlines(e.goals);
  for (std::size_t c = 0; c < e.axes.cluster_ids.size(); ++c) {
    std::vector<double> values = cluster_series(*e.fan, e.axes, c);
    for (double& v : values) v /= s.scale;
    FanChart chart;
    chart.title = cluster_title(e.axes, c);
    chart.y_label = s.unit;
    chart.x = e.axes.years;
    chart.fan = fan_of(values, e.axes.replicates, e.axes.years.size());
    if (mark) chart.marks.emplace_back(layout.mark_setting, *mark / s.scale);
    chart.deadlines = deadlines;
    out += fan_chart_svg(chart);
  }
  return out + "</div>";
}

// The paired difference of the fan metric over all clusters: replicate r against the
// counterfactual's replicate r (same seeds).
std::string difference_fan(const Ensemble& e, const Model& model) {
  const Shown s = shown(e.fan_unit);
  const std::size_t steps = e.axes.years.size(), clusters = e.axes.cluster_ids.size();
  std::vector<double> diff(e.axes.replicates * steps, 0.0);
  for (std::size_t r = 0; r < e.axes.replicates; ++r) {
    for (std::size_t t = 0; t < steps; ++t) {
      for (std::size_t c = 0; c < clusters; ++c) {
        const std::size_t i = (r * steps + t) * clusters + c;
        diff[r * steps + t] += ((*e.fan)[i] - (*e.counterfactual_fan)[i]) / s.scale;
      }
    }
  }
  FanChart chart;
  chart.title =
      fmt::format("all clusters: {} minus the counterfactual's", model.report_layout().fan_metric);
  chart.y_label = s.unit;
  chart.x = e.axes.years;
  chart.fan = fan_of(diff, e.axes.replicates, steps);
  chart.width = 620;
  chart.height = 240;
  chart.marks.emplace_back("no difference", 0.0);
  chart.deadlines = goal_deadlines(e.goals);
  return fmt::format(
      R"(<div class="keep"><h2>Against the counterfactual, replicate by replicate</h2><p )"
      R"(class="note">Each replicate minus the counterfactual's replicate of the same seed )"
      "('{}'), summed over clusters: median and central 50% and 90% bands.</p>{}</div>",
      escape(e.goals.counterfactual), fan_chart_svg(chart));
}

std::string cost_section(const Ensemble& e) {
  if (e.costs.empty()) return "";
  return R"(<div class="keep"><h2>Public money by lever</h2><p class="note">Each line's spending )"
         "over the whole "
         "run and every cluster, bn yuan: median over replicates with its 90% interval. "
         "Provincial outlays and national tax expenditure both appear; a fund's line is its "
         "capital when committed less the government's part of distributions (funds at "
         "cost).</p>" +
         bar_chart_svg(e.costs, "bn yuan") + "</div>";
}

std::string differences_section(const Ensemble& e, const Model& model) {
  if (e.counterfactual_scenario.empty()) return "";
  const ScenarioDifferences found =
      differing_settings(e.counterfactual_scenario, e.scenario, model.schema());
  std::string out = fmt::format(
      R"(<h2>Settings that differ from the counterfactual</h2><p class="note">{} of {} settings )"
      "differ.</p><table><tr><th>setting</th><th>counterfactual</th><th>this run</th></tr>",
      found.differences.size(), found.settings);
  for (const auto& d : found.differences) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", escape(d.key), escape(d.left),
                       escape(d.right));
  }
  return out + "</table>";
}

std::string ensemble_body(hid_t file, const std::string& path, const Model& model) {
  const Ensemble e = read_ensemble(file, path, model);
  std::string out = "<h2>Summary: the plan's goals</h2>" + goal_table(summarise(e.goals));
  out += R"(<p class="note">Chances are shares of replicates meeting the goal by its deadline, )"
         "with a 90% Clopper-Pearson interval for Monte Carlo error only. Public money is the "
         "provincial budget plus national tax expenditure, funds at cost less "
         "distributions.</p>";
  if (!e.goals.comparison.empty()) {
    out += fmt::format(
        R"(<h2>Money and output against the counterfactual '{}'</h2><p class="note">Paired )"
        "replicates (same seeds): each measure is this run's replicate minus the "
        "counterfactual's; its basis is in its name.</p>",
        escape(e.goals.counterfactual));
    out += comparison_table(summarise_comparison(e.goals));
  } else {
    out += R"(<p class="note">The file has no counterfactual: run with --compare to see money )"
           "and output against one.</p>";
  }
  out += cost_section(e);
  if (e.fan) out += cluster_fans(e, model);
  if (e.fan && e.counterfactual_fan) out += difference_fan(e, model);
  out += differences_section(e, model);
  return out;
}

// --- sweep result files ----------------------------------------------------------------------

std::string sobol_section(const std::string& path, const std::vector<std::string>& outcomes,
                          const ReportOptions& options) {
  std::string out = fmt::format(
      R"(<h2>What drives the outcomes: Sobol indices</h2><p class="note">Share of the variance )"
      "of each outcome over the design due to a setting alone (S1) and with its interactions "
      "(ST), with {} bootstrap resamples' 90% intervals. A goal's outcome is its chance; "
      "end(M) is M summed over clusters in the last quarter (results/README.md, "
      R"("Outcomes").</p>)",
      options.bootstrap);
  for (const auto& outcome : outcomes) {
    out += fmt::format("<h3>{}</h3>", escape(outcome));
    try {
      const auto result = sensitivity_of(path, {outcome, options.bootstrap, 0.9, 0});
      out += "<table><tr><th>setting</th><th>S1 (90%)</th><th>ST (90%)</th></tr>";
      for (std::size_t k : sobol_ranking(result.indices)) {
        const auto& f = result.indices.factors[k];
        out += fmt::format(R"(<tr><td>{}</td><td class="num">{:.3f} ({:.3f} to {:.3f})</td><td )"
                           R"(class="num">{:.3f} ({:.3f} to {:.3f})</td></tr>)",
                           escape(result.design.settings[k]), f.first, f.first_low, f.first_high,
                           f.total, f.total_low, f.total_high);
      }
      out += "</table>";
    } catch (const InputError& e) {
      out += R"(<p class="note">No indices: )" + escape(e.detail()) + "</p>";
    }
  }
  return out;
}

std::string sweep_body(hid_t file, const std::string& path, const Model& model,
                       const ReportOptions& options) {
  const auto points = read_point_goal_results(path);
  std::string out = fmt::format(
      R"(<h2>The plan's goals at each of the sweep's {} points</h2><p class="note">Method {}, )"
      "{} replicates per point; chance met with its 90% Clopper-Pearson interval.</p>",
      points.size(), escape(text_attribute(file, "sweep_method")),
      escape(text_attribute(file, "replicates")));
  if (points.empty()) return out;
  out += "<table><tr><th>point</th><th>settings</th>";
  for (const auto& g : points.front().goals.goals) out += "<th>" + escape(g.id) + "</th>";
  out += "</tr>";
  for (std::size_t p = 0; p < points.size(); ++p) {
    out += fmt::format(R"(<tr><td class="num">{}</td><td>{}</td>)", p, escape(points[p].settings));
    for (const GoalSummary& s : summarise(points[p].goals)) {
      out += s.goal.unreachable.empty() && s.decided > 0
                 ? fmt::format(R"(<td class="num">{} ({}–{})</td>)", percent(s.share_met),
                               percent(s.share_met_low), percent(s.share_met_high))
                 : std::string(R"(<td class="num">n/a</td>)");
    }
    out += "</tr>";
  }
  out += "</table>";
  if (text_attribute(file, "sweep_method") == "saltelli") {
    std::vector<std::string> outcomes;
    for (const auto& g : points.front().goals.goals) outcomes.push_back(g.id);
    const std::string fan = model.report_layout().fan_metric;
    if (!fan.empty() && h5::exists(file, "metrics/" + fan)) outcomes.push_back("end(" + fan + ")");
    out += sobol_section(path, outcomes, options);
  }
  return out;
}

// --- calibration result files ----------------------------------------------------------------

std::string calibration_body(const std::string& path) {
  const PosteriorSummary s = summarise_posterior(read_calibration_file(path));
  std::string out = fmt::format(
      R"(<h2>Posterior</h2><p class="note">{} particles of generation {}, tolerance {:.4g}, )"
      "effective sample size {:.1f}, {} model runs; stopped: {}.</p>",
      s.particles, s.generations == 0 ? 0 : s.generations - 1, s.tolerance, s.ess, s.runs,
      escape(s.stop_reason));
  out +=
      "<table><tr><th>parameter</th><th>prior</th><th>posterior median (5%–95%)</th>"
      "<th>90% width over the prior's</th></tr>";
  for (const auto& p : s.parameters) {
    out += fmt::format(
        R"(<tr><td>{}</td><td>{}</td><td class="num">{} ({}–{})</td><td class="num">{:.2f}{})"
        "</td></tr>",
        escape(p.name), escape(p.prior), number(p.median), number(p.low), number(p.high),
        p.shrinkage, p.weakly_identified ? " (weakly identified)" : "");
  }
  out +=
      "</table><h2>Fit to the observations</h2><table><tr><th>target</th><th>observed</th>"
      "<th>model median (5%–95%)</th><th>z</th><th></th></tr>";
  for (const auto& f : s.fit) {
    out += fmt::format(
        R"(<tr><td>{}</td><td class="num">{}</td><td class="num">{} ({}–{})</td><td )"
        R"(class="num">{:.2f}</td><td>{}{}</td></tr>)",
        escape(f.name), number(f.observed), number(f.median), number(f.low), number(f.high), f.z,
        f.inside ? "inside the 90% band" : "outside the 90% band", f.held_out ? ", held out" : "");
  }
  return out + "</table>";
}

// --- the document ----------------------------------------------------------------------------

struct Identity {
  std::string filetype, scenario_name, description, plan, scenario, created;
};

std::string provenance_section(hid_t file, const std::string& path, const Identity& id) {
  std::string out = "<h2>Provenance</h2><table>";
  const auto row = [&](const std::string& label, const std::string& value) {
    if (!value.empty()) {
      out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", escape(label), escape(value));
    }
  };
  row("file", fs::path(path).filename().string());
  row("seal", seal_text(path));
  row("written by clustersim", text_attribute(file, "clustersim_version"));
  row("git commit", text_attribute(file, "git_commit"));
  row("build", text_attribute(file, "build_flags"));
  row("written", id.created);
  row("command", text_attribute(file, "command_line"));
  row("scenario source", text_attribute(file, "scenario_source"));
  row("seed", text_attribute(file, "seed"));
  row("replicates", text_attribute(file, "replicates"));
  if (!id.scenario.empty()) row("resolved scenario, FNV-1a 64", hash_text(id.scenario));
  out += "</table>";
  if (!id.scenario.empty()) {
    out += "<h2>The resolved scenario</h2><pre>" + escape(id.scenario) + "</pre>";
  }
  return out;
}

bool is_calibration(const std::string& path) {
  check_seal(path);
  h5::Handle file = h5::open_file(path);
  return text_attribute(file, "filetype") == "clustersim-calibration";
}

std::string document(const std::string& title, const std::string& subtitle,
                     const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta "
      "name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
      "<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n{}\n</body>\n"
      "</html>\n",
      escape(title), kStyle, escape(title), subtitle, body);
}

std::string render(const std::string& path, const Model& model, const ReportOptions& options) {
  if (is_calibration(path)) {
    h5::Handle file = h5::open_file(path);
    Identity id{"clustersim-calibration", "", "", "", "", text_attribute(file, "created")};
    const std::string body = calibration_body(path) + provenance_section(file, path, id);
    return document("Calibration: " + fs::path(path).filename().string(),
                    escape(fmt::format("clustersim report, {}", report_date(options, id.created))),
                    body);
  }
  h5::Handle file = open_result_file(path);
  Identity id;
  id.scenario = scalar_text(file, "scenario");
  id.scenario_name = text_attribute(file, "scenario_name");
  id.description = scenario_text_of(id.scenario, "description");
  id.plan = scenario_text_of(id.scenario, "plan");
  id.created = text_attribute(file, "created");
  const bool sweep = H5Aexists(file, "sweep_method") > 0;
  std::string body =
      sweep ? sweep_body(file, path, model, options) : ensemble_body(file, path, model);
  body += provenance_section(file, path, id);
  std::string subtitle = escape(id.description.empty() ? id.scenario_name : id.description);
  if (!id.plan.empty()) subtitle = escape(id.plan) + " · " + subtitle;
  subtitle += escape(fmt::format("{}clustersim report, {}", subtitle.empty() ? "" : " · ",
                                 report_date(options, id.created)));
  return document((sweep ? "Sweep: " : "Scenario: ") + id.scenario_name, subtitle, body);
}

}  // namespace

std::string report_date(const ReportOptions& options, const std::string& created) {
  if (!options.date.empty()) return options.date;
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    const auto seconds = parse_whole<std::int64_t>(epoch);
    if (!seconds) {
      throw InputError(
          {"SOURCE_DATE_EPOCH", 0, 0}, "SOURCE_DATE_EPOCH",
          fmt::format("must be a whole number of seconds since 1970, not '{}'", epoch));
    }
    const auto t = static_cast<std::time_t>(*seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    return fmt::format("{:04}-{:02}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
  }
  return created.substr(0, 10);
}

std::string report_html(const std::string& path, const Model& model, const ReportOptions& options) {
  const Location where{path, 0, 0};
  try {
    return render(path, model, options);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(where, "", fmt::format("damaged or incomplete result file ({})", e.what()));
  }
}

}  // namespace sim::report
