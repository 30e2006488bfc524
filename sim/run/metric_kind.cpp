#include "sim/run/metric_kind.hpp"

#include <array>

namespace sim {

namespace {

struct KindRow {
  MetricKind kind;
  const char* name;
  const char* meaning;
};

constexpr std::array<KindRow, 5> kKinds = {{
    {MetricKind::Stock, "stock",
     "a level at the end of each quarter; a period's value is its last quarter's"},
    {MetricKind::Flow, "flow",
     "an amount in each quarter; a period's value is the sum of its quarters"},
    {MetricKind::AnnualRate, "annual_rate",
     "a quarter's amount times four; a period's amount is the sum of its quarters over four"},
    {MetricKind::TrailingYear, "trailing_year",
     "a flow summed over the four quarters ending with each quarter; a period's value is its "
     "last quarter's (a calendar year's total when the period is a year)"},
    {MetricKind::Ratio, "ratio",
     "a ratio, price or average per cluster; not summed over clusters or quarters"},
}};

const KindRow& row_of(MetricKind kind) {
  for (const KindRow& row : kKinds) {
    if (row.kind == kind) return row;
  }
  return kKinds[0];
}

}  // namespace

const char* metric_kind_name(MetricKind kind) {
  return row_of(kind).name;
}

const char* metric_kind_meaning(MetricKind kind) {
  return row_of(kind).meaning;
}

std::optional<MetricKind> parse_metric_kind(std::string_view name) {
  for (const KindRow& row : kKinds) {
    if (name == row.name) return row.kind;
  }
  return std::nullopt;
}

std::string metric_kind_names() {
  std::string out;
  for (std::size_t k = 0; k < kKinds.size(); ++k) {
    if (k > 0) out += k + 1 == kKinds.size() ? " and " : ", ";
    out += kKinds[k].name;
  }
  return out;
}

MetricKind metric_kind_from_units(std::string_view units) {
  const auto ends_with = [&](std::string_view tail) {
    return units.size() >= tail.size() && units.substr(units.size() - tail.size()) == tail;
  };
  if (ends_with("/quarter")) return MetricKind::Flow;
  if (ends_with("/year")) return MetricKind::AnnualRate;
  return MetricKind::Stock;
}

}  // namespace sim
