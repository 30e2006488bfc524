// What a metric's number is, which decides how it adds up over quarters and clusters
// (results/README.md, "Metrics"): summing a stock over quarters, or an annual rate without
// dividing by four, gives a number that looks right and is not.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sim {

enum class MetricKind {
  Stock,         // a level at the end of the quarter (firms, researchers, a fund's NAV)
  Flow,          // an amount in the quarter (entries, R&D spending, public money)
  AnnualRate,    // an amount in the quarter expressed per year (x4): sales as a yearly rate
  TrailingYear,  // the sum of a flow over the four quarters ending with this one
  Ratio,         // a ratio, price or average: not additive over clusters or quarters
};

// The name written in files and shown to users ("stock", "flow", "annual_rate",
// "trailing_year", "ratio").
const char* metric_kind_name(MetricKind kind);
std::optional<MetricKind> parse_metric_kind(std::string_view name);

// Files written before metrics carried a kind (result schema 1.0, sweep schema 1.1): the unit
// tells "per quarter" and "per year"; any other unit is read as a stock.
MetricKind metric_kind_from_units(std::string_view units);

// One line on how the kind aggregates, for messages and the docs.
const char* metric_kind_meaning(MetricKind kind);

// Every kind's name, for messages: "stock, flow, annual_rate, trailing_year and ratio".
std::string metric_kind_names();

}  // namespace sim
