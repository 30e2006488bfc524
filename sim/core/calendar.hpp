// Dates and the quarterly calendar of a run.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sim {

// A calendar date. Schedules in scenario files name dates as a year (2015), a quarter (2015Q4)
// or an ISO date (2015-10-01); all three become a Date.
struct Date {
  int year = 0;
  int month = 1;
  int day = 1;

  auto operator<=>(const Date&) const = default;  // NOLINT(modernize-use-nullptr): tidy 14 bug
  std::string iso() const;
};

// The years a date may name: years outside them are almost certainly typos in a policy scenario.
inline constexpr int kCalendarFirstYear = 1900;
inline constexpr int kCalendarLastYear = 2200;

// Parses "2015", "2015Q4" or "2015-10-01"; nullopt when the text is none of these, names a day
// that does not exist or a year outside the calendar's.
std::optional<Date> parse_date(std::string_view text);

// Quarters are counted from year 0, so that differences of quarter numbers are step counts.
int quarter_number(const Date& d);
Date quarter_start(int quarter);
Date quarter_end(int quarter);
// Decimal year at the end of a quarter: 2014Q1 -> 2014.25, 2015Q4 -> 2016.0.
double quarter_end_decimal_year(int quarter);
std::string quarter_label(int quarter);  // "2015Q4"
// Days from 1970-01-01 to the date (negative before it): the CF convention's time unit, which
// netCDF readers (xarray) decode to dates.
long days_since_1970(const Date& d);
// Whether a decimal year lies from the end of the calendar's first quarter (1900Q1: 1900.25)
// to the end of its last (2200Q4: 2201.0): the decimal years quarter_label_at names.
bool in_calendar_years(double decimal_year);
// The label of the quarter ending at a decimal year (2016.0 -> "2015Q4", the inverse of
// quarter_end_decimal_year), or "never" for NaN: how goal reports name a deadline or the
// quarter a target was first reached, when it never was. Throws std::out_of_range for any other
// decimal year outside the calendar (in_calendar_years).
std::string quarter_label_at(double decimal_year);

// The run's time axis: steps are the quarters first..last inclusive.
struct Calendar {
  int first_quarter = 0;
  int last_quarter = 0;

  int steps() const { return last_quarter - first_quarter + 1; }
  int quarter_of_step(int step) const { return first_quarter + step; }
  // Step index of the quarter containing d, or nullopt when d falls outside the run.
  std::optional<int> step_of(const Date& d) const;
};

}  // namespace sim
