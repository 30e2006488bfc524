#include "sim/core/calendar.hpp"

#include <chrono>

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sim {
namespace {

bool parse_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

}  // namespace

std::string Date::iso() const {
  return fmt::format("{:04d}-{:02d}-{:02d}", year, month, day);
}

std::optional<Date> parse_date(std::string_view text) {
  Date d;
  if (text.size() == 4) {
    if (!parse_int(text, d.year)) return std::nullopt;
  } else if (text.size() == 6 && (text[4] == 'Q' || text[4] == 'q')) {
    int q = 0;
    if (!parse_int(text.substr(0, 4), d.year) || !parse_int(text.substr(5, 1), q)) {
      return std::nullopt;
    }
    if (q < 1 || q > 4) return std::nullopt;
    d.month = 3 * (q - 1) + 1;
  } else if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    if (!parse_int(text.substr(0, 4), d.year) || !parse_int(text.substr(5, 2), d.month) ||
        !parse_int(text.substr(8, 2), d.day)) {
      return std::nullopt;
    }
    if (d.month < 1 || d.month > 12) return std::nullopt;
    if (d.day < 1 || d.day > days_in_month(d.year, d.month)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (d.year < kCalendarFirstYear || d.year > kCalendarLastYear) return std::nullopt;
  return d;
}

int quarter_number(const Date& d) {
  return d.year * 4 + (d.month - 1) / 3;
}

Date quarter_start(int quarter) {
  return Date{quarter / 4, 3 * (quarter % 4) + 1, 1};
}

Date quarter_end(int quarter) {
  Date d{quarter / 4, 3 * (quarter % 4) + 3, 1};
  d.day = days_in_month(d.year, d.month);
  return d;
}

double quarter_end_decimal_year(int quarter) {
  return (quarter + 1) / 4.0;
}

std::string quarter_label(int quarter) {
  return fmt::format("{}Q{}", quarter / 4, quarter % 4 + 1);
}

bool in_calendar_years(double decimal_year) {
  return decimal_year >= quarter_end_decimal_year(kCalendarFirstYear * 4) &&
         decimal_year <= quarter_end_decimal_year(kCalendarLastYear * 4 + 3);
}

std::string quarter_label_at(double decimal_year) {
  if (std::isnan(decimal_year)) return "never";
  // A decimal year can come from a file: outside the calendar, the cast below is undefined.
  if (!in_calendar_years(decimal_year)) {
    throw std::out_of_range(fmt::format("the decimal year {} is outside the calendar ({} to {})",
                                        decimal_year, kCalendarFirstYear, kCalendarLastYear));
  }
  // Rounded, as a decimal year read back from a file or summed in a statistic may be off by
  // an ulp from the quarter's end.
  return quarter_label(static_cast<int>(std::lround(decimal_year * 4)) - 1);
}

std::optional<int> Calendar::step_of(const Date& d) const {
  const int q = quarter_number(d);
  if (q < first_quarter || q > last_quarter) return std::nullopt;
  return q - first_quarter;
}

long days_since_1970(const Date& d) {
  using namespace std::chrono;
  const year_month_day date{year{d.year}, month{static_cast<unsigned>(d.month)},
                            day{static_cast<unsigned>(d.day)}};
  return static_cast<long>(sys_days{date}.time_since_epoch().count());
}

}  // namespace sim
