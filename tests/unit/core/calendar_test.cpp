// Dates and the quarterly calendar (sim/calendar.hpp): parsing the three date forms, quarter
// arithmetic, labels and the mapping of dates to steps of a run.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "sim/core/calendar.hpp"

namespace {

sim::Date date(int y, int m, int d) {
  return sim::Date{y, m, d};
}

TEST(CalendarParseDate, YearMeansFirstOfJanuary) {
  const auto d = sim::parse_date("2015");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, date(2015, 1, 1));
}

TEST(CalendarParseDate, QuarterMeansItsFirstDay) {
  // Quarter q starts in month 3 (q - 1) + 1: Q1 -> 1, Q2 -> 4, Q3 -> 7, Q4 -> 10.
  EXPECT_EQ(sim::parse_date("2015Q1"), date(2015, 1, 1));
  EXPECT_EQ(sim::parse_date("2015Q2"), date(2015, 4, 1));
  EXPECT_EQ(sim::parse_date("2015Q3"), date(2015, 7, 1));
  EXPECT_EQ(sim::parse_date("2015Q4"), date(2015, 10, 1));
  EXPECT_EQ(sim::parse_date("2015q4"), date(2015, 10, 1));
}

TEST(CalendarParseDate, IsoDate) {
  EXPECT_EQ(sim::parse_date("2015-10-01"), date(2015, 10, 1));
  EXPECT_EQ(sim::parse_date("2020-12-31"), date(2020, 12, 31));
  EXPECT_EQ(sim::parse_date("2015-04-30"), date(2015, 4, 30));
}

TEST(CalendarParseDate, LeapDays) {
  // 2016 is divisible by 4; 2000 by 400 (leap); 1900 by 100 but not 400 (not leap).
  EXPECT_EQ(sim::parse_date("2016-02-29"), date(2016, 2, 29));
  EXPECT_EQ(sim::parse_date("2000-02-29"), date(2000, 2, 29));
  EXPECT_FALSE(sim::parse_date("2015-02-29").has_value());
  EXPECT_FALSE(sim::parse_date("1900-02-29").has_value());
  EXPECT_FALSE(sim::parse_date("2016-02-30").has_value());
}

TEST(CalendarParseDate, RejectsDaysThatDoNotExist) {
  EXPECT_FALSE(sim::parse_date("2015-02-30").has_value());
  EXPECT_FALSE(sim::parse_date("2015-04-31").has_value());
  EXPECT_FALSE(sim::parse_date("2015-13-01").has_value());
  EXPECT_FALSE(sim::parse_date("2015-00-10").has_value());
  EXPECT_FALSE(sim::parse_date("2015-10-00").has_value());
  EXPECT_FALSE(sim::parse_date("2015-10-32").has_value());
}

TEST(CalendarParseDate, RejectsBadQuarters) {
  EXPECT_FALSE(sim::parse_date("2015Q5").has_value());
  EXPECT_FALSE(sim::parse_date("2015Q0").has_value());
  EXPECT_FALSE(sim::parse_date("2015Qx").has_value());
  EXPECT_FALSE(sim::parse_date("2015X4").has_value());
  EXPECT_FALSE(sim::parse_date("2015Q12").has_value());
}

TEST(CalendarParseDate, RejectsMalformedText) {
  EXPECT_FALSE(sim::parse_date("").has_value());
  EXPECT_FALSE(sim::parse_date("15").has_value());
  EXPECT_FALSE(sim::parse_date("20150").has_value());
  EXPECT_FALSE(sim::parse_date("abcd").has_value());
  EXPECT_FALSE(sim::parse_date("+201").has_value());
  EXPECT_FALSE(sim::parse_date(" 2015").has_value());
  EXPECT_FALSE(sim::parse_date("2015 ").has_value());
  EXPECT_FALSE(sim::parse_date("2015-1-01").has_value());
  EXPECT_FALSE(sim::parse_date("2015/10/01").has_value());
  EXPECT_FALSE(sim::parse_date("2015-1a-01").has_value());
  EXPECT_FALSE(sim::parse_date("2015--1-01").has_value());
}

TEST(CalendarParseDate, YearsOutsideTheWindowAreRejected) {
  // The accepted window is 1900..2200 inclusive, in all three forms.
  EXPECT_EQ(sim::parse_date("1900"), date(1900, 1, 1));
  EXPECT_EQ(sim::parse_date("2200Q4"), date(2200, 10, 1));
  EXPECT_EQ(sim::parse_date("2200-12-31"), date(2200, 12, 31));
  EXPECT_FALSE(sim::parse_date("1899").has_value());
  EXPECT_FALSE(sim::parse_date("2201").has_value());
  EXPECT_FALSE(sim::parse_date("1899Q4").has_value());
  EXPECT_FALSE(sim::parse_date("2201-01-01").has_value());
  EXPECT_FALSE(sim::parse_date("-201").has_value());
  EXPECT_FALSE(sim::parse_date("0000").has_value());
}

TEST(CalendarDate, IsoFormatsWithPadding) {
  EXPECT_EQ(date(2015, 1, 5).iso(), "2015-01-05");
  EXPECT_EQ(date(2020, 12, 31).iso(), "2020-12-31");
}

TEST(CalendarDate, OrderingIsChronological) {
  EXPECT_LT(date(2014, 12, 31), date(2015, 1, 1));
  EXPECT_LT(date(2015, 1, 31), date(2015, 2, 1));
  EXPECT_LT(date(2015, 2, 1), date(2015, 2, 2));
}

TEST(CalendarQuarter, NumberCountsFromYearZero) {
  // quarter_number = 4 year + (month - 1) / 3: 2015-01-01 -> 8060, 2015-10-01 -> 8063,
  // 2015-12-31 -> 8063, 2016-01-01 -> 8064.
  EXPECT_EQ(sim::quarter_number(date(2015, 1, 1)), 8060);
  EXPECT_EQ(sim::quarter_number(date(2015, 3, 31)), 8060);
  EXPECT_EQ(sim::quarter_number(date(2015, 4, 1)), 8061);
  EXPECT_EQ(sim::quarter_number(date(2015, 10, 1)), 8063);
  EXPECT_EQ(sim::quarter_number(date(2015, 12, 31)), 8063);
  EXPECT_EQ(sim::quarter_number(date(2016, 1, 1)), 8064);
  // Differences of quarter numbers are step counts: 2014Q1 .. 2020Q4 is 27 quarters apart.
  EXPECT_EQ(sim::quarter_number(date(2020, 10, 1)) - sim::quarter_number(date(2014, 1, 1)), 27);
}

TEST(CalendarQuarter, StartAndEnd) {
  const int q2015q1 = 2015 * 4 + 0;
  EXPECT_EQ(sim::quarter_start(q2015q1), date(2015, 1, 1));
  EXPECT_EQ(sim::quarter_end(q2015q1), date(2015, 3, 31));
  EXPECT_EQ(sim::quarter_start(2015 * 4 + 1), date(2015, 4, 1));
  EXPECT_EQ(sim::quarter_end(2015 * 4 + 1), date(2015, 6, 30));
  EXPECT_EQ(sim::quarter_start(2015 * 4 + 2), date(2015, 7, 1));
  EXPECT_EQ(sim::quarter_end(2015 * 4 + 2), date(2015, 9, 30));
  EXPECT_EQ(sim::quarter_start(2015 * 4 + 3), date(2015, 10, 1));
  EXPECT_EQ(sim::quarter_end(2015 * 4 + 3), date(2015, 12, 31));
}

TEST(CalendarQuarter, StartAndEndRoundTripThroughQuarterNumber) {
  for (int q = 1990 * 4; q < 2030 * 4; ++q) {
    EXPECT_EQ(sim::quarter_number(sim::quarter_start(q)), q);
    EXPECT_EQ(sim::quarter_number(sim::quarter_end(q)), q);
  }
}

TEST(CalendarQuarter, EndDecimalYear) {
  // (quarter + 1) / 4: 2014Q1 = 8056 -> 8057 / 4 = 2014.25; 2015Q4 = 8063 -> 2016.0.
  EXPECT_DOUBLE_EQ(sim::quarter_end_decimal_year(2014 * 4 + 0), 2014.25);
  EXPECT_DOUBLE_EQ(sim::quarter_end_decimal_year(2014 * 4 + 1), 2014.5);
  EXPECT_DOUBLE_EQ(sim::quarter_end_decimal_year(2014 * 4 + 2), 2014.75);
  EXPECT_DOUBLE_EQ(sim::quarter_end_decimal_year(2015 * 4 + 3), 2016.0);
  EXPECT_DOUBLE_EQ(sim::quarter_end_decimal_year(2020 * 4 + 3), 2021.0);
}

TEST(CalendarQuarter, Label) {
  EXPECT_EQ(sim::quarter_label(2015 * 4 + 3), "2015Q4");
  EXPECT_EQ(sim::quarter_label(2014 * 4 + 0), "2014Q1");
  EXPECT_EQ(sim::quarter_label(sim::quarter_number(*sim::parse_date("2018Q2"))), "2018Q2");
}

TEST(CalendarQuarter, LabelAtDecimalYear) {
  // The inverse of quarter_end_decimal_year, for every quarter of a century.
  for (int q = 2000 * 4; q < 2100 * 4; ++q) {
    EXPECT_EQ(sim::quarter_label_at(sim::quarter_end_decimal_year(q)), sim::quarter_label(q));
  }
  EXPECT_EQ(sim::quarter_label_at(2016.0), "2015Q4");
  EXPECT_EQ(sim::quarter_label_at(2014.25), "2014Q1");
  EXPECT_EQ(sim::quarter_label_at(std::nextafter(2016.0, 0.0)), "2015Q4");
  EXPECT_EQ(sim::quarter_label_at(std::nan("")), "never");
}

// Found by reading: a decimal year from a file (a goal's deadline or first_met) was cast to int
// unchecked: infinity or 5e8 was undefined behaviour.
TEST(CalendarQuarterLabel, RefusesDecimalYearsOutsideTheCalendar) {
  EXPECT_EQ(sim::quarter_label_at(1900.25), "1900Q1");
  EXPECT_EQ(sim::quarter_label_at(2201.0), "2200Q4");
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {inf, -inf, 5e8, -5e8, 1900.0, std::nextafter(2201.0, 3000.0)}) {
    EXPECT_FALSE(sim::in_calendar_years(bad)) << bad;
    EXPECT_THROW(sim::quarter_label_at(bad), std::out_of_range) << bad;
  }
  EXPECT_FALSE(sim::in_calendar_years(std::nan("")));
  EXPECT_TRUE(sim::in_calendar_years(2016.0));
}

TEST(CalendarRun, StepsAndQuarterOfStep) {
  // A run 2014Q1 .. 2020Q4: 7 years of 4 quarters = 28 steps.
  const sim::Calendar cal{2014 * 4, 2020 * 4 + 3};
  EXPECT_EQ(cal.steps(), 28);
  EXPECT_EQ(cal.quarter_of_step(0), 2014 * 4);
  EXPECT_EQ(cal.quarter_of_step(7), 2015 * 4 + 3);
  EXPECT_EQ(sim::quarter_label(cal.quarter_of_step(27)), "2020Q4");
}

TEST(CalendarRun, StepOfDate) {
  const sim::Calendar cal{2014 * 4, 2020 * 4 + 3};
  EXPECT_EQ(cal.step_of(date(2014, 1, 1)), 0);
  EXPECT_EQ(cal.step_of(date(2014, 3, 31)), 0);
  EXPECT_EQ(cal.step_of(date(2014, 4, 1)), 1);
  // 2015-10-01 is 2015Q4: 4 quarters of 2014 + 3 of 2015 = step 7.
  EXPECT_EQ(cal.step_of(date(2015, 10, 1)), 7);
  EXPECT_EQ(cal.step_of(date(2020, 12, 31)), 27);
  EXPECT_EQ(cal.step_of(date(2013, 12, 31)), std::nullopt);
  EXPECT_EQ(cal.step_of(date(2021, 1, 1)), std::nullopt);
}

TEST(CalendarRun, SingleQuarterRun) {
  const sim::Calendar cal{2015 * 4 + 2, 2015 * 4 + 2};
  EXPECT_EQ(cal.steps(), 1);
  EXPECT_EQ(cal.step_of(date(2015, 8, 15)), 0);
  EXPECT_EQ(cal.step_of(date(2015, 6, 30)), std::nullopt);
  EXPECT_EQ(cal.step_of(date(2015, 10, 1)), std::nullopt);
}

}  // namespace
