#include "sim/calibrate/file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "sim/analysis/outcome.hpp"
#include "sim/config/csv.hpp"
#include "sim/config/limits.hpp"
#include "sim/config/memory.hpp"
#include "sim/sweep/file.hpp"
#include "sim/sweep/reading.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

const std::vector<std::string> kTopLevelKeys = {"description",  "base",    "set",
                                                "replicates",   "seed",    "parameters",
                                                "observations", "targets", "method"};
const std::vector<std::string> kPriorKeys = {"prior", "min", "max", "mean", "sd"};
const std::vector<std::string> kObservationKeys = {"file", "confidence_se", "map", "exclude",
                                                   "until"};
const std::vector<std::string> kMapKeys = {"model", "compare", "share", "share_relative_se"};
const std::vector<std::string> kTargetKeys = {"name", "model", "value", "se", "source", "held_out"};
const std::vector<std::string> kMethodKeys = {"population",     "quantile",        "tolerance",
                                              "min_acceptance", "max_generations", "max_runs",
                                              "pilot_runs",     "max_moves"};
const std::vector<std::string> kFlags = {"H", "M", "L"};

// Bounds on what a calibration file may ask for: beyond them it is a mistake, not a plan.
constexpr std::size_t kMaxParameters = 64;
constexpr std::size_t kMaxTargets = 1000;
constexpr std::size_t kMaxPopulation = 100000;
constexpr std::size_t kMaxGenerations = 100;
constexpr std::size_t kMaxRuns = 10000000;

double read_number(const ConfigNode& node, const std::string& key) {
  const auto value = as_number(node);
  if (!value) {
    throw InputError(node.where, key,
                     fmt::format("expected a finite number, found {}",
                                 node.kind == ConfigNode::Kind::Scalar ? "'" + node.scalar + "'"
                                                                       : node.kind_name()));
  }
  return *value;
}

double read_number_in(const ConfigNode& node, const std::string& key, double lo, double hi) {
  const double value = read_number(node, key);
  if (value < lo || value > hi) {
    throw InputError(node.where, key,
                     fmt::format("{:g} is outside the allowed range [{:g}, {:g}]", value, lo, hi));
  }
  return value;
}

std::size_t read_count(const ConfigNode& node, const std::string& key, std::size_t lo,
                       std::size_t hi) {
  const std::int64_t n = read_integer(node, key, static_cast<std::int64_t>(lo));
  if (static_cast<std::uint64_t>(n) > hi) {
    throw InputError(node.where, key,
                     fmt::format("{} is outside the allowed range [{}, {}]", n, lo, hi));
  }
  return static_cast<std::size_t>(n);
}

std::string read_text(const ConfigNode& node, const std::string& key, const std::string& what) {
  require_kind(node, ConfigNode::Kind::Scalar, key, what);
  return node.scalar;
}

// --- parameters ------------------------------------------------------------------------------

abc::PriorKind prior_kind(const ConfigNode& node, const std::string& key) {
  const std::string name = read_text(node, key, "uniform, log_uniform or normal");
  if (name == "uniform") return abc::PriorKind::Uniform;
  if (name == "log_uniform") return abc::PriorKind::LogUniform;
  if (name == "normal") return abc::PriorKind::Normal;
  throw InputError(node.where, key,
                   fmt::format("unknown prior '{}'; priors are uniform, log_uniform and normal "
                               "(truncated to min and max)",
                               name));
}

// A prior's end: given, or the setting's own for a truncated normal; always inside the
// setting's range and finite.
double prior_end(const ConfigNode& spec, const std::string& prefix, const std::string& end,
                 const Setting& setting, bool may_default) {
  const std::string key = prefix + "." + end;
  const double schema_end = end == "min" ? setting.min : setting.max;
  const ConfigNode* node = spec.child(end);
  if (node == nullptr) {
    if (!may_default) throw InputError(spec.where, key, "missing; this key is required");
    if (!std::isfinite(schema_end)) {
      throw InputError(spec.where, key,
                       fmt::format("missing, and '{}' has no finite {} of its own to truncate "
                                   "the normal prior at: give one",
                                   setting.key, end == "min" ? "minimum" : "maximum"));
    }
    return schema_end;
  }
  const double value = read_number(*node, key);
  if (value < setting.min || value > setting.max) {
    throw InputError(node->where, key,
                     fmt::format("{:g} is outside the range of '{}', [{:g}, {:g}]", value,
                                 setting.key, setting.min, setting.max));
  }
  return value;
}

CalibrationParameter read_parameter(const ConfigEntry& entry, const Schema& schema) {
  const std::string prefix = "parameters." + entry.key;
  const Setting* setting = schema.find(entry.key);
  if (setting == nullptr) {
    std::string detail = fmt::format("unknown setting '{}'", entry.key);
    if (auto suggestion = schema.suggest(entry.key)) {
      detail += fmt::format("; did you mean '{}'?", *suggestion);
    }
    throw InputError(entry.key_where, prefix, detail);
  }
  if (setting->type != SettingType::Number || entry.key.rfind("run.", 0) == 0) {
    throw InputError(entry.key_where, prefix,
                     fmt::format("'{}' is a {} setting; only number settings can be calibrated",
                                 entry.key, type_name(setting->type)));
  }
  const ConfigNode& spec = entry.value;
  require_kind(spec, ConfigNode::Kind::Map, prefix, "a prior: {prior: uniform, min: .., max: ..}");
  check_allowed_keys(spec, prefix, kPriorKeys);
  CalibrationParameter p{entry.key, {}};
  p.prior.kind = prior_kind(required(spec, prefix, "prior"), prefix + ".prior");
  const bool normal = p.prior.kind == abc::PriorKind::Normal;
  p.prior.min = prior_end(spec, prefix, "min", *setting, normal);
  p.prior.max = prior_end(spec, prefix, "max", *setting, normal);
  if (!(p.prior.min < p.prior.max)) {
    throw InputError(spec.where, prefix,
                     fmt::format("min {:g} must be below max {:g}", p.prior.min, p.prior.max));
  }
  if (p.prior.kind == abc::PriorKind::LogUniform && p.prior.min <= 0) {
    throw InputError(required(spec, prefix, "min").where, prefix + ".min",
                     "a log_uniform prior needs min > 0");
  }
  if (normal) {
    p.prior.mean = read_number(required(spec, prefix, "mean"), prefix + ".mean");
    const ConfigNode& sd = required(spec, prefix, "sd");
    p.prior.sd = read_number(sd, prefix + ".sd");
    if (!(p.prior.sd > 0)) throw InputError(sd.where, prefix + ".sd", "must be above 0");
  } else {
    for (const char* key : {"mean", "sd"}) {
      if (const ConfigNode* node = spec.child(key)) {
        throw InputError(node->where, prefix + "." + key,
                         fmt::format("only a normal prior has a {}", key));
      }
    }
  }
  return p;
}

std::vector<CalibrationParameter> read_parameters(const ConfigNode& node, const Schema& schema) {
  require_kind(node, ConfigNode::Kind::Map, "parameters", "a mapping of settings to priors");
  if (node.entries.empty()) throw InputError(node.where, "parameters", "no parameter to fit");
  if (node.entries.size() > kMaxParameters) {
    throw InputError(node.where, "parameters",
                     fmt::format("{} parameters; at most {}", node.entries.size(), kMaxParameters));
  }
  std::vector<CalibrationParameter> out;
  for (const auto& entry : node.entries) out.push_back(read_parameter(entry, schema));
  return out;
}

// --- observations ----------------------------------------------------------------------------

// How one series of the observations compares with the model.
struct SeriesMap {
  std::string model;               // the expression, with YEAR standing for the row's year
  bool growth = false;             // ratios of each year to the series' first year in the run
  double share = 1.0;              // level: the model's value is compared with share x observed
  double share_relative_se = 0.0;  // how uncertain the share is, relative to it
  Location where;
};

std::map<std::string, SeriesMap> read_map(const ConfigNode& node) {
  require_kind(node, ConfigNode::Kind::Map, "observations.map",
               "a mapping of series to {model: .., compare: level|growth}");
  std::map<std::string, SeriesMap> out;
  for (const auto& entry : node.entries) {
    const std::string prefix = "observations.map." + entry.key;
    require_kind(entry.value, ConfigNode::Kind::Map, prefix, "{model: .., compare: ..}");
    check_allowed_keys(entry.value, prefix, kMapKeys);
    SeriesMap m;
    const ConfigNode& model = required(entry.value, prefix, "model");
    m.model = read_text(model, prefix + ".model", "an outcome expression using YEAR");
    m.where = model.where;
    if (m.model.find("YEAR") == std::string::npos) {
      throw InputError(model.where, prefix + ".model",
                       "the expression must use YEAR, which stands for each observation's year "
                       "(sum(rd_spend, YEAR))");
    }
    const ConfigNode& compare = required(entry.value, prefix, "compare");
    const std::string how = read_text(compare, prefix + ".compare", "level or growth");
    if (how != "level" && how != "growth") {
      throw InputError(compare.where, prefix + ".compare",
                       fmt::format("'{}': compare is level (with an optional share: the model's "
                                   "clusters as a share of the observed total) or growth "
                                   "(ratios between years)",
                                   how));
    }
    m.growth = how == "growth";
    if (const ConfigNode* share = entry.value.child("share")) {
      if (m.growth) {
        throw InputError(share->where, prefix + ".share",
                         "a share scales levels; growth ratios need none");
      }
      m.share = read_number(*share, prefix + ".share");
      if (!(m.share > 0)) throw InputError(share->where, prefix + ".share", "must be above 0");
    }
    if (const ConfigNode* se = entry.value.child("share_relative_se")) {
      if (m.growth) {
        throw InputError(se->where, prefix + ".share_relative_se",
                         "a share scales levels; growth ratios need none");
      }
      m.share_relative_se = read_number_in(*se, prefix + ".share_relative_se", 0.0, 10.0);
    }
    out.emplace(entry.key, m);
  }
  return out;
}

std::map<std::string, std::string> read_exclusions(const ConfigNode& node) {
  require_kind(node, ConfigNode::Kind::Map, "observations.exclude",
               "a mapping of series to the reason they are not fitted");
  std::map<std::string, std::string> out;
  for (const auto& entry : node.entries) {
    out[entry.key] = read_text(entry.value, "observations.exclude." + entry.key, "a reason");
  }
  return out;
}

std::map<std::string, double> read_flag_se(const ConfigNode* node) {
  std::map<std::string, double> out = {{"H", relative_se_of_flag("H")},
                                       {"M", relative_se_of_flag("M")},
                                       {"L", relative_se_of_flag("L")}};
  if (node == nullptr) return out;
  require_kind(*node, ConfigNode::Kind::Map, "observations.confidence_se", "{H: .., M: .., L: ..}");
  check_allowed_keys(*node, "observations.confidence_se", kFlags);
  for (const auto& entry : node->entries) {
    out[entry.key] =
        read_number_in(entry.value, "observations.confidence_se." + entry.key, 0.0, 10.0);
  }
  return out;
}

// One row of the observations, as read.
struct Observation {
  std::string series, unit, source;
  int year = 0;
  double value = 0.0, se = 0.0;
  Location where;
};

// The standard error of a row: its `se` cell, or its confidence flag's relative error times
// its value. "H/M" takes the larger error of the two.
double row_se(const CsvTable& csv, std::size_t r, double value,
              const std::map<std::string, double>& flag_se) {
  const auto se_column = std::find(csv.header.begin(), csv.header.end(), "se");
  if (se_column != csv.header.end()) {
    const auto c = static_cast<std::size_t>(se_column - csv.header.begin());
    if (!csv.rows[r][c].empty()) {
      const double se = csv.number(r, c);
      if (se < 0) {
        throw InputError({csv.file, csv.row_lines[r], static_cast<int>(c) + 1}, "se",
                         fmt::format("a standard error cannot be negative ({:g})", se));
      }
      return se;
    }
  }
  const std::size_t c = csv.column("confidence");
  const std::string& flags = csv.rows[r][c];
  double relative = -1.0;
  std::size_t start = 0;
  while (start <= flags.size()) {
    const std::size_t slash = std::min(flags.find('/', start), flags.size());
    const std::string flag = flags.substr(start, slash - start);
    const auto it = flag_se.find(flag);
    if (it == flag_se.end()) {
      throw InputError({csv.file, csv.row_lines[r], static_cast<int>(c) + 1}, "confidence",
                       fmt::format("'{}' is not a confidence flag (H, M or L, or two as H/M), "
                                   "and the row has no se",
                                   flags));
    }
    relative = std::max(relative, it->second);
    start = slash + 1;
  }
  return relative * std::abs(value);
}

std::vector<Observation> read_observations(const CsvTable& csv,
                                           const std::map<std::string, double>& flag_se) {
  const std::size_t series = csv.column("series"), year = csv.column("year"),
                    value = csv.column("value"), unit = csv.column("unit"),
                    source = csv.column("source");
  csv.column("confidence");
  std::vector<Observation> out;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    Observation o;
    o.series = csv.rows[r][series];
    o.where = {csv.file, csv.row_lines[r], static_cast<int>(series) + 1};
    const double y = csv.number(r, year);
    if (y != std::floor(y) || y < 1900 || y > 2200) {
      throw InputError({csv.file, csv.row_lines[r], static_cast<int>(year) + 1}, "year",
                       fmt::format("'{}' is not a year", csv.rows[r][year]));
    }
    o.year = static_cast<int>(y);
    o.value = csv.number(r, value);
    o.unit = csv.rows[r][unit];
    o.source = csv.rows[r][source];
    o.se = row_se(csv, r, o.value, flag_se);
    out.push_back(std::move(o));
  }
  return out;
}

std::string with_year(std::string expression, int year) {
  const std::string y = std::to_string(year);
  for (std::size_t at = expression.find("YEAR"); at != std::string::npos;
       at = expression.find("YEAR", at + y.size())) {
    expression.replace(at, 4, y);
  }
  return expression;
}

bool year_in_run(int year, const Calendar& calendar) {
  return year * 4 >= calendar.first_quarter && year * 4 + 3 <= calendar.last_quarter;
}

// The targets one series gives: its levels (times the share), or its growth from the first
// year in the run to each later one.
void add_series_targets(const std::string& name, const SeriesMap& map,
                        std::vector<Observation> rows, const Calendar& calendar, int until,
                        CalibrationDefinition& cal) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Observation& a, const Observation& b) { return a.year < b.year; });
  std::vector<Observation> in_run;
  for (const auto& o : rows) {
    if (year_in_run(o.year, calendar)) {
      in_run.push_back(o);
    } else {
      cal.skipped.push_back({name, o.year, "outside the run's years"});
    }
  }
  if (!map.growth) {
    for (const auto& o : in_run) {
      // The share's own uncertainty adds to the observation's, in relative terms.
      const double se =
          std::hypot(map.share * o.se, map.share * map.share_relative_se * std::abs(o.value));
      // Rows after `until` are held out: predicted, not fitted.
      cal.targets.push_back({fmt::format("{} {}", name, o.year), with_year(map.model, o.year),
                             map.share * o.value, se, o.source, map.where, o.year > until});
    }
    return;
  }
  if (in_run.size() == 1) {
    cal.skipped.push_back({name, in_run[0].year, "growth needs a second year in the run"});
  }
  for (std::size_t k = 1; k < in_run.size(); ++k) {
    const Observation &base = in_run.front(), &o = in_run[k];
    if (base.value == 0) {
      throw InputError(base.where, "value", "a growth ratio's first year cannot be 0");
    }
    const double ratio = o.value / base.value;
    const double se =
        std::abs(ratio) * std::hypot(o.value != 0 ? o.se / o.value : 0.0, base.se / base.value);
    cal.targets.push_back(
        {fmt::format("{} {}/{}", name, o.year, base.year),
         fmt::format("({}) / ({})", with_year(map.model, o.year), with_year(map.model, base.year)),
         ratio, se, o.source + "; " + base.source, map.where, o.year > until});
  }
}

void read_observations_block(const ConfigNode& node, const std::string& cal_path,
                             const Calendar& calendar, CalibrationDefinition& cal) {
  require_kind(node, ConfigNode::Kind::Map, "observations", "{file: .., map: ..}");
  check_allowed_keys(node, "observations", kObservationKeys);
  const ConfigNode& file = required(node, "observations", "file");
  fs::path csv_path = read_text(file, "observations.file", "the path of a CSV file");
  if (csv_path.is_relative()) csv_path = fs::path(cal_path).parent_path() / csv_path;
  cal.observations_path = fs::absolute(csv_path).lexically_normal().string();
  std::error_code ec;
  if (!fs::is_regular_file(cal.observations_path, ec)) {
    throw InputError(file.where, "observations.file",
                     fmt::format("'{}' does not exist or is not a file", cal.observations_path));
  }
  const CsvTable csv = read_csv(cal.observations_path);
  std::ifstream in(cal.observations_path, std::ios::binary);
  cal.observations_text = limits::read_at_most(in, limits::kCsvBytes);

  const auto flag_se = read_flag_se(node.child("confidence_se"));
  const auto map = read_map(required(node, "observations", "map"));
  std::map<std::string, std::string> excluded;
  if (const ConfigNode* ex = node.child("exclude");
      ex != nullptr && ex->kind != ConfigNode::Kind::Null) {
    excluded = read_exclusions(*ex);
  }
  std::map<std::string, std::vector<Observation>> by_series;
  for (auto& o : read_observations(csv, flag_se)) {
    if (map.contains(o.series)) {
      by_series[o.series].push_back(std::move(o));
    } else if (const auto it = excluded.find(o.series); it != excluded.end()) {
      cal.skipped.push_back({o.series, o.year, "excluded: " + it->second});
    } else {
      throw InputError(o.where, "series",
                       fmt::format("series '{}' has no mapping: add it under observations.map "
                                   "(how the model produces it) or observations.exclude (why "
                                   "it is not fitted)",
                                   o.series));
    }
  }
  int until = std::numeric_limits<int>::max();
  if (const ConfigNode* u = node.child("until")) {
    until = static_cast<int>(read_count(*u, "observations.until", 1900, 2200));
  }
  for (const auto& [name, rows] : by_series) {
    add_series_targets(name, map.at(name), rows, calendar, until, cal);
  }
}

// --- targets with their own values ------------------------------------------------------------

void read_targets(const ConfigNode& node, CalibrationDefinition& cal) {
  require_kind(node, ConfigNode::Kind::Sequence, "targets",
               "a list of {name, model, value, se, source}");
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    const ConfigNode& item = node.items[i];
    const std::string prefix = fmt::format("targets[{}]", i);
    require_kind(item, ConfigNode::Kind::Map, prefix, "{name, model, value, se, source}");
    check_allowed_keys(item, prefix, kTargetKeys);
    CalibrationTarget t;
    t.name = read_text(required(item, prefix, "name"), prefix + ".name", "a name");
    const ConfigNode& model = required(item, prefix, "model");
    t.expression = read_text(model, prefix + ".model", "an outcome expression");
    t.where = model.where;
    t.observed = read_number(required(item, prefix, "value"), prefix + ".value");
    const ConfigNode& se = required(item, prefix, "se");
    t.se = read_number(se, prefix + ".se");
    if (t.se < 0) throw InputError(se.where, prefix + ".se", "cannot be negative");
    t.source = read_text(required(item, prefix, "source"), prefix + ".source", "its source");
    if (const ConfigNode* held = item.child("held_out")) {
      const std::string text = read_text(*held, prefix + ".held_out", "true or false");
      if (text != "true" && text != "false") {
        throw InputError(held->where, prefix + ".held_out",
                         fmt::format("expected true or false, found '{}'", text));
      }
      t.held_out = text == "true";
    }
    cal.targets.push_back(std::move(t));
  }
}

// --- method ----------------------------------------------------------------------------------

CalibrationMethod read_method(const ConfigNode* node) {
  CalibrationMethod m;
  if (node == nullptr) return m;
  require_kind(*node, ConfigNode::Kind::Map, "method", "a mapping of the method's settings");
  check_allowed_keys(*node, "method", kMethodKeys);
  const auto key = [](const char* k) { return std::string("method.") + k; };
  if (const auto* n = node->child("population")) {
    m.population = read_count(*n, key("population"), 2, kMaxPopulation);
  }
  if (const auto* n = node->child("quantile")) {
    m.quantile = read_number_in(*n, key("quantile"), 0.05, 0.95);
  }
  if (const auto* n = node->child("tolerance")) {
    m.tolerance = read_number_in(*n, key("tolerance"), 0.0, 1e6);
  }
  if (const auto* n = node->child("min_acceptance")) {
    m.min_acceptance = read_number_in(*n, key("min_acceptance"), 0.0, 1.0);
  }
  if (const auto* n = node->child("max_generations")) {
    m.max_generations = read_count(*n, key("max_generations"), 1, kMaxGenerations);
  }
  if (const auto* n = node->child("max_runs")) {
    m.max_runs = read_count(*n, key("max_runs"), 1, kMaxRuns);
  }
  if (const auto* n = node->child("max_moves")) {
    m.max_moves = read_count(*n, key("max_moves"), 1, 1000);
  }
  if (const auto* n = node->child("pilot_runs")) {
    m.pilot_runs = read_count(*n, key("pilot_runs"), 2, kMaxPopulation);
  }
  return m;
}

// --- the targets' expressions, checked against the base's calendar and the model's metrics ----

// A table with the base's quarters and the model's metrics but no runs: evaluating an
// expression against it checks every name and period, and records the metrics it reads.
SweepTable checking_table(const Scenario& base, const Model& model, std::set<std::string>& used,
                          std::set<std::string>& facts) {
  SweepTable t;
  t.steps = static_cast<std::size_t>(base.calendar().steps());
  t.clusters = base.clusters().size();
  t.replicates = 1;
  for (int s = 0; s < base.calendar().steps(); ++s) {
    t.time_labels.push_back(quarter_label(base.calendar().quarter_of_step(s)));
  }
  for (const auto& m : model.metrics()) t.metric_names.push_back(m.name);
  t.metric_kind = [&model](const std::string& name) {
    for (const auto& m : model.metrics()) {
      if (m.name == name) return m.kind;
    }
    return MetricKind::Flow;  // not reached: the parser admits only the model's metrics
  };
  t.metric = [&used](const std::string& name) {
    used.insert(name);
    return std::vector<double>{};
  };
  t.goals = [](const std::string&) { return std::vector<double>{}; };
  for (const auto& f : model.facts()) t.fact_names.push_back(f.name);
  t.fact = [&facts](const std::string& name) {
    facts.insert(name);
    return std::vector<double>{};
  };
  return t;
}

void check_expressions(CalibrationDefinition& cal, const Scenario& base, const Model& model) {
  std::set<std::string> used, facts;
  const SweepTable table = checking_table(base, model, used, facts);
  for (const auto& t : cal.targets) {
    try {
      evaluate_outcome(t.expression, table);
    } catch (const InputError& e) {
      throw InputError(t.where, "model",
                       fmt::format("target '{}', expression '{}', column {}: {}", t.name,
                                   t.expression, e.where().column, e.detail()));
    }
  }
  for (const auto& m : model.metrics()) {
    if (used.contains(m.name)) cal.metrics.push_back(m.name);
  }
  cal.facts = !facts.empty();
}

// The largest arrays a calibration holds: one batch's metrics as read back (population x
// replicates x metrics x quarters x clusters) and a generation's model values.
void check_memory(const CalibrationDefinition& cal, const Scenario& base,
                  const ConfigNode* method) {
  const double batch = static_cast<double>(cal.method.population) * cal.replicates *
                       static_cast<double>(std::max<std::size_t>(cal.metrics.size(), 1)) *
                       base.calendar().steps() * static_cast<double>(base.clusters().size()) * 8;
  const double values = static_cast<double>(cal.method.population) *
                        static_cast<double>(cal.targets.size() + cal.parameters.size()) * 8 * 4;
  const double budget = physical_memory_bytes() / 4;
  if (batch + values > budget) {
    throw InputError(method != nullptr ? method->where : Location{cal.path, 1, 1},
                     "method.population",
                     fmt::format("a generation of {} particles x {} replicates needs about {} of "
                                 "memory; this machine allows a quarter of its {}",
                                 cal.method.population, cal.replicates,
                                 limits::bytes_text(static_cast<std::size_t>(batch + values)),
                                 limits::bytes_text(static_cast<std::size_t>(4 * budget))));
  }
}

// The budget must at least pay for the pilot and one batch of the first generation.
void check_budget(const CalibrationDefinition& cal, const ConfigNode* method) {
  const CalibrationMethod& m = cal.method;
  const auto replicates = static_cast<std::size_t>(cal.replicates);
  if (m.max_runs >= (m.pilot_runs + m.population) * replicates) return;
  const ConfigNode* node = method != nullptr ? method->child("max_runs") : nullptr;
  throw InputError(
      node != nullptr ? node->where : Location{cal.path, 1, 1}, "method.max_runs",
      fmt::format("{} runs cannot complete the pilot ({}) and the first generation "
                  "({}) at {} replicate(s) per particle",
                  m.max_runs, m.pilot_runs * replicates, m.population * replicates, replicates));
}

std::uint64_t fingerprint_of(const CalibrationDefinition& cal) {
  Fnv1a h;
  h.text(cal.base_resolved);
  h.text(cal.observations_text);
  h.word(static_cast<std::uint64_t>(cal.replicates));
  h.word(cal.seed);
  for (const auto& p : cal.parameters) {
    h.text(p.key);
    h.text(abc::prior_name(p.prior.kind));
    for (const double x : {p.prior.min, p.prior.max, p.prior.mean, p.prior.sd}) {
      h.word(std::bit_cast<std::uint64_t>(x));
    }
  }
  for (const auto& t : cal.targets) {
    h.text(t.name);
    h.text(t.expression);
    h.word(std::bit_cast<std::uint64_t>(t.observed));
    h.word(std::bit_cast<std::uint64_t>(t.se));
    h.word(t.held_out ? 1 : 0);
  }
  const CalibrationMethod& m = cal.method;
  for (const std::size_t n :
       {m.population, m.max_generations, m.max_runs, m.pilot_runs, m.max_moves}) {
    h.word(n);
  }
  for (const double x : {m.quantile, m.tolerance, m.min_acceptance}) {
    h.word(std::bit_cast<std::uint64_t>(x));
  }
  return h.value();
}

}  // namespace

double relative_se_of_flag(const std::string& flag) {
  if (flag == "H") return 0.05;
  if (flag == "M") return 0.10;
  if (flag == "L") return 0.20;
  throw std::invalid_argument("no confidence flag " + flag);
}

CalibrationDefinition load_calibration(const std::string& path, const Model& model) {
  CalibrationDefinition cal;
  cal.path = path;
  cal.text = read_file_text(path, "calibration file");
  const ConfigNode root = parse_scenario_text(cal.text, path);
  check_allowed_keys(root, "", kTopLevelKeys);
  check_description(root);
  if (const ConfigNode* r = root.child("replicates")) {
    cal.replicates = static_cast<int>(read_count(*r, "replicates", 1, 1000));
  }
  cal.seed = static_cast<std::uint64_t>(read_integer(required(root, "", "seed"), "seed", 0));
  std::vector<SetEntry> set;
  const ConfigNode* set_node = root.child("set");
  if (set_node != nullptr && set_node->kind != ConfigNode::Kind::Null) {
    set = read_set(*set_node, model.schema(), "calibration");
  }
  cal.parameters = read_parameters(required(root, "", "parameters"), model.schema());
  for (const auto& entry : set) {
    const std::string key = entry.assignment.substr(0, entry.assignment.find('='));
    for (const auto& p : cal.parameters) {
      if (p.key == key) {
        throw InputError(entry.where, "set." + key,
                         "this setting is a parameter being fitted; remove it from set:");
      }
    }
  }
  const ConfigNode* method = root.child("method");
  cal.method = read_method(method);

  const Scenario base =
      load_base(required(root, "", "base"), set, path, model, cal.replicates, cal.base_path);
  if (base.flag("output.firm_snapshots")) {
    throw InputError(required(root, "", "base").where, "base",
                     "the base scenario asks for firm snapshots; calibration runs write none: "
                     "set output.firm_snapshots to false");
  }
  if (!base.path("calibration.file").empty()) {
    throw InputError(required(root, "", "base").where, "base",
                     "the base scenario draws its settings from a calibration (calibration.file): "
                     "a calibration starts from fixed settings; set calibration.file to \"\"");
  }
  cal.base_resolved = base.resolved_yaml();
  if (const ConfigNode* obs = root.child("observations")) {
    read_observations_block(*obs, path, base.calendar(), cal);
  }
  if (const ConfigNode* targets = root.child("targets")) read_targets(*targets, cal);
  if (cal.targets.empty()) {
    throw InputError(root.where, "targets",
                     "no target to fit: give observations (with years in the run) or targets");
  }
  if (std::none_of(cal.targets.begin(), cal.targets.end(),
                   [](const CalibrationTarget& t) { return !t.held_out; })) {
    throw InputError(root.where, "targets", "every target is held out: nothing to fit");
  }
  if (cal.targets.size() > kMaxTargets) {
    throw InputError(root.where, "targets",
                     fmt::format("{} targets; at most {}", cal.targets.size(), kMaxTargets));
  }
  check_expressions(cal, base, model);
  check_memory(cal, base, method);
  check_budget(cal, method);
  cal.fingerprint = fingerprint_of(cal);
  return cal;
}

}  // namespace sim
