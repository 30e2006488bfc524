#include "sim/analysis/sensitivity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "sim/core/checked.hpp"
#include "sim/core/errors.hpp"
#include "sim/core/json.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/io/result_file.hpp"

namespace fs = std::filesystem;

namespace sim {
namespace {

// Goal fields of a sweep file, each [point][goal][replicate].
constexpr const char* kGoalFields[] = {"value_at_deadline", "met", "first_met", "cost_to_deadline"};

// Runs `read`, turning any failure other than an InputError (an HDF5 call that failed, a
// missing dataset) into the InputError of a damaged file, as read_goal_results does.
template <typename Read>
auto guarded(const std::string& path, Read read) {
  try {
    return read();
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("damaged or incomplete result file ({})", e.what()));
  }
}

// A text attribute holding any number of strings (variable or fixed length); hdf5.hpp reads
// only single texts.
std::vector<std::string> read_string_array_attribute(hid_t object, const std::string& name) {
  h5::Handle attr(h5::check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name),
                  H5Aclose);
  h5::Handle file_type(h5::check(H5Aget_type(attr), "attribute type"), H5Tclose);
  h5::Handle space(h5::check(H5Aget_space(attr), "attribute space"), H5Sclose);
  if (H5Tget_class(file_type) != H5T_STRING) {
    throw std::runtime_error("attribute " + name + " is not text");
  }
  const auto count =
      static_cast<std::size_t>(h5::check(H5Sget_simple_extent_npoints(space), "attribute size"));
  std::vector<std::string> out;
  h5::Handle type(h5::check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  h5::check(H5Tset_cset(type, H5Tget_cset(file_type)), "string charset");
  if (H5Tis_variable_str(file_type) > 0) {
    h5::check(H5Tset_size(type, H5T_VARIABLE), "string size");
    std::vector<char*> pointers(count, nullptr);
    h5::check(H5Aread(attr, type, pointers.data()), "read attribute " + name);
    for (char* p : pointers) out.emplace_back(p != nullptr ? p : "");
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, pointers.data());
    return out;
  }
  const std::size_t size = H5Tget_size(file_type);
  h5::check(H5Tset_size(type, size), "string size");
  std::string buffer(count * size, '\0');
  h5::check(H5Aread(attr, type, buffer.data()), "read attribute " + name);
  for (std::size_t i = 0; i < count; ++i) {
    std::string text = buffer.substr(i * size, size);
    text.erase(std::find(text.begin(), text.end(), '\0'), text.end());
    out.push_back(std::move(text));
  }
  return out;
}

// Opens a result file after checking that it is a sweep this build can read.
h5::Handle open_sweep_file(const std::string& path) {
  const Location where{path, 0, 0};
  h5::Handle file = open_result_file(path);
  if (H5Aexists(file, "sweep_method") <= 0 || !h5::exists(file, sweep_point_dimension(file))) {
    throw InputError(where, "",
                     "not a sweep result file (no sweep_method attribute or point dimension); "
                     "`clustersim sweep` writes one");
  }
  return file;
}

std::string shape_text(const std::vector<hsize_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// The length of a 1-D dataset at the root (a dimension).
std::size_t dimension_length(hid_t file, const std::string& name, const std::string& path) {
  const auto shape = h5::shape_of(h5::open_dataset(file, name));
  if (shape.size() != 1) {
    throw InputError(
        {path, 0, 0}, "",
        fmt::format("the dimension /{} has shape {}; expected one axis", name, shape_text(shape)));
  }
  return shape[0];
}

void check_shape(hid_t file, const std::string& dataset, const std::vector<hsize_t>& expected,
                 const char* dims, const std::string& path) {
  const auto shape = h5::shape_of(h5::open_dataset(file, dataset));
  if (shape != expected) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("/{} has shape {}; expected {} = {}", dataset, shape_text(shape),
                                 dims, shape_text(expected)));
  }
}

// A metric's kind from its `kind` attribute; in files written before it (sweep schema 1.1 and
// older) the unit tells it, as metric_kind_from_units says.
MetricKind kind_of_metric(hid_t dataset, const std::string& name, const std::string& path) {
  if (H5Aexists(dataset, "kind") <= 0) {
    const std::string units =
        H5Aexists(dataset, "units") > 0 ? h5::read_string_attribute(dataset, "units") : "";
    return metric_kind_from_units(units);
  }
  const std::string text = h5::read_string_attribute(dataset, "kind");
  const auto kind = parse_metric_kind(text);
  if (!kind) {
    throw InputError(
        {path, 0, 0}, "",
        fmt::format("/metrics/{} has kind '{}'; kinds are {}", name, text, metric_kind_names()));
  }
  return *kind;
}

InputError unknown_metric(const std::string& path, const std::vector<std::string>& names,
                          const std::string& name) {
  return {{path, 0, 0},
          "",
          names.empty()
              ? fmt::format("no metric '{}'; the file holds no metrics", name)
              : fmt::format("no metric '{}'; metrics are {}", name, fmt::join(names, ", "))};
}

// The table's shape, labels and names, checked against every metric and goal field.
SweepTable read_table_shape(hid_t file, const std::string& path) {
  SweepTable t;
  t.points = dimension_length(file, sweep_point_dimension(file), path);
  t.replicates = dimension_length(file, "replicate", path);
  t.steps = dimension_length(file, "time", path);
  t.clusters = dimension_length(file, "cluster", path);
  if (t.points == 0 || t.replicates == 0) {
    throw InputError({path, 0, 0}, "", "the sweep has no points or no replicates");
  }
  t.time_labels = h5::read_strings(h5::open_dataset(file, "coords/time_label"));
  if (t.time_labels.size() != t.steps) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("/coords/time_label has {} labels for {} quarters",
                                 t.time_labels.size(), t.steps));
  }
  if (h5::exists(file, "goal")) t.goal_ids = h5::read_strings(h5::open_dataset(file, "goal"));
  if (h5::exists(file, "metrics"))
    t.metric_names = h5::member_names(h5::open_group(file, "metrics"));
  std::map<std::string, MetricKind> kinds;
  for (const auto& name : t.metric_names) {
    check_shape(file, "metrics/" + name, {t.points, t.replicates, t.steps, t.clusters},
                "[point, replicate, time, cluster]", path);
    kinds[name] = kind_of_metric(h5::open_dataset(file, "metrics/" + name), name, path);
  }
  // The parser asks for a name's kind before its values; with no metrics in the file the name
  // was not checked against the list, so an unknown one is refused here.
  t.metric_kind = [kinds, path, names = t.metric_names](const std::string& name) {
    const auto found = kinds.find(name);
    if (found == kinds.end()) throw unknown_metric(path, names, name);
    return found->second;
  };
  if (h5::exists(file, "facts")) t.fact_names = h5::member_names(h5::open_group(file, "facts"));
  for (const auto& name : t.fact_names) {
    check_shape(file, "facts/" + name, {t.points, t.replicates}, "[point, replicate]", path);
  }
  for (const char* field : kGoalFields) {
    const std::string dataset = std::string("goals/") + field;
    if (h5::exists(file, dataset)) {
      check_shape(file, dataset, {t.points, t.goal_ids.size(), t.replicates},
                  "[point, goal, replicate]", path);
    }
  }
  return t;
}

std::vector<double> read_metric(const std::string& path, const std::vector<std::string>& names,
                                const std::string& name) {
  return guarded(path, [&] {
    h5::Handle file = open_sweep_file(path);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      throw unknown_metric(path, names, name);
    }
    return h5::read_doubles(h5::open_dataset(file, "metrics/" + name));
  });
}

std::vector<double> read_goal_field(const std::string& path, const std::string& field) {
  return guarded(path, [&] {
    h5::Handle file = open_sweep_file(path);
    const std::string dataset = "goals/" + field;
    if (!h5::exists(file, dataset)) {
      throw InputError({path, 0, 0}, "", fmt::format("the sweep has no /{}", dataset));
    }
    if (field != "met") return h5::read_doubles(h5::open_dataset(file, dataset));
    const auto met = read_goal_met(file, dataset, path);  // 1 met, 0 not, -1 undecided
    return std::vector<double>(met.begin(), met.end());
  });
}

// Non-finite values (no bootstrap: no intervals) become null (sim/core/json.hpp).
std::string report_json(const std::vector<std::string>& settings, const SobolResult& result,
                        const std::string& outcome) {
  const std::size_t points = result.base_samples * saltelli_rows_per_sample(settings.size());
  nlohmann::ordered_json ranked = nlohmann::ordered_json::array();
  for (std::size_t k : sobol_ranking(result)) {
    const SobolIndex& s = result.factors[k];
    ranked.push_back({{"setting", settings[k]},
                      {"S1", s.first},
                      {"S1_low", s.first_low},
                      {"S1_high", s.first_high},
                      {"S1_se", s.first_se},
                      {"ST", s.total},
                      {"ST_low", s.total_low},
                      {"ST_high", s.total_high},
                      {"ST_se", s.total_se}});
  }
  const nlohmann::ordered_json report = {{"outcome", outcome},
                                         {"base_samples", result.base_samples},
                                         {"points", points},
                                         {"variance", result.variance},
                                         {"bootstrap", result.bootstrap},
                                         {"confidence", result.confidence},
                                         {"seed", result.seed},
                                         {"settings", ranked}};
  return json_text(report);
}

std::string report_text(const std::vector<std::string>& settings, const SobolResult& result,
                        const std::string& outcome) {
  const std::size_t points = result.base_samples * saltelli_rows_per_sample(settings.size());
  std::string out = fmt::format(
      "Sobol indices of '{}' over a saltelli sweep of {} base samples ({} points)\n"
      "variance of the outcome: {:.6g}\n",
      outcome, result.base_samples, points, result.variance);
  if (result.bootstrap > 0) {
    out +=
        fmt::format("intervals: {:g}% bootstrap percentile intervals from {} resamples (seed {})\n",
                    100.0 * result.confidence, result.bootstrap, result.seed);
  }
  std::size_t width = std::string_view("setting").size();
  for (const auto& s : settings) width = std::max(width, s.size());
  // Without a bootstrap there are no intervals, so their columns are left out.
  const bool intervals = result.bootstrap > 0;
  const std::string label = fmt::format("{:g}% interval", 100.0 * result.confidence);
  out += fmt::format("\n{:<{}}  {:>6}", "setting", width, "S1");
  out += intervals ? fmt::format("  {:<16}  {:>6}  {}\n", label, "ST", label)
                   : fmt::format("  {:>6}\n", "ST");
  for (std::size_t i : sobol_ranking(result)) {
    const SobolIndex& s = result.factors[i];
    out += fmt::format("{:<{}}  {:6.3f}", settings[i], width, s.first);
    out += intervals ? fmt::format("  [{:6.3f}, {:6.3f}]  {:6.3f}  [{:6.3f}, {:6.3f}]\n",
                                   s.first_low, s.first_high, s.total, s.total_low, s.total_high)
                     : fmt::format("  {:6.3f}\n", s.total);
  }
  out +=
      "\nS1: share of the outcome's variance due to the setting alone;\n"
      "ST: due to the setting with all its interactions.\n";
  return out;
}

}  // namespace

// Factor indices in report order: largest total index first (ties keep design order).
std::vector<std::size_t> sobol_ranking(const SobolResult& result) {
  std::vector<std::size_t> order(result.factors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return result.factors[a].total > result.factors[b].total;
  });
  return order;
}

SweepDesign read_sweep_design(const std::string& path) {
  return guarded(path, [&] {
    h5::Handle file = open_sweep_file(path);
    SweepDesign design;
    design.method = h5::read_string_attribute(file, "sweep_method");
    design.settings = read_string_array_attribute(file, "sweep_settings");
    design.points = dimension_length(file, sweep_point_dimension(file), path);
    if (design.method != "saltelli") return design;
    const auto base = H5Aexists(file, "sweep_base_samples") > 0
                          ? h5::read_int_attribute(file, "sweep_base_samples")
                          : std::vector<std::int64_t>{};
    if (base.size() != 1 || base[0] < 1) {
      throw InputError({path, 0, 0}, "",
                       "a saltelli sweep needs a positive sweep_base_samples attribute");
    }
    design.base_samples = static_cast<std::size_t>(base[0]);
    // Checked: a product that wraps around could equal the file's points, and sobol_indices would
    // then size its arrays by the huge base samples.
    const std::optional<std::size_t> expected =
        checked_product({design.base_samples, saltelli_rows_per_sample(design.settings.size())});
    if (design.settings.empty() || expected != design.points) {
      throw InputError(
          {path, 0, 0}, "",
          fmt::format("wrong shape: a saltelli sweep of {} base samples and {} settings has {} "
                      "points, the file has {}",
                      design.base_samples, design.settings.size(),
                      expected ? fmt::to_string(*expected) : "more than 2^64", design.points));
    }
    return design;
  });
}

SweepTable read_sweep_table(const std::string& path) {
  SweepTable table = guarded(path, [&] {
    h5::Handle file = open_sweep_file(path);
    return read_table_shape(file, path);
  });
  table.metric = [path, names = table.metric_names](const std::string& name) {
    return read_metric(path, names, name);
  };
  table.goals = [path](const std::string& field) { return read_goal_field(path, field); };
  // The parser admits only the names in fact_names, all checked above.
  table.fact = [path](const std::string& name) {
    return guarded(path, [&] {
      return h5::read_doubles(h5::open_dataset(open_sweep_file(path), "facts/" + name));
    });
  };
  return table;
}

std::string sensitivity_report(const std::vector<std::string>& settings, const SobolResult& result,
                               const std::string& outcome, bool json) {
  if (settings.size() != result.factors.size()) {
    throw std::invalid_argument(
        fmt::format("{} setting names for {} factors", settings.size(), result.factors.size()));
  }
  return json ? report_json(settings, result, outcome) : report_text(settings, result, outcome);
}

SensitivityResult sensitivity_of(const std::string& path, const SensitivityOptions& options) {
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    throw InputError(
        {"--confidence", 0, 0}, "--confidence",
        fmt::format("must lie strictly between 0 and 1 (e.g. 0.95), not {}", options.confidence));
  }
  const SweepDesign design = read_sweep_design(path);
  if (design.method != "saltelli") {
    throw InputError({path, 0, 0}, "",
                     fmt::format("not a saltelli sweep (its method is '{}'): Sobol indices need "
                                 "the points of a Saltelli design",
                                 design.method));
  }
  const std::string& outcome = options.outcome;
  const std::vector<double> y = evaluate_outcome(outcome, read_sweep_table(path));
  const auto bad = std::find_if(y.begin(), y.end(), [](double v) { return !std::isfinite(v); });
  if (bad != y.end()) {
    throw InputError({path, 0, 0}, "--outcome",
                     fmt::format("'{}' is {} at point {} (a metric with missing values?); Sobol "
                                 "indices need a number for every point",
                                 outcome, *bad, bad - y.begin()));
  }
  try {
    return {design, sobol_indices(y, design.settings.size(), design.base_samples, options.bootstrap,
                                  options.confidence, options.seed)};
  } catch (const std::invalid_argument& e) {
    // The design's shape and the confidence were checked above: what is left (an outcome
    // that does not vary) is about the outcome's values.
    throw InputError({path, 0, 0}, "--outcome", fmt::format("'{}': {}", outcome, e.what()));
  }
}

}  // namespace sim
