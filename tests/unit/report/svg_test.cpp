// The report's charts: axis ticks, quantile fans and escaping, which decide what a reader sees.
#include "sim/report/svg.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using sim::report::nice_ticks;

TEST(ReportSvg, TicksAreRoundNumbersCoveringTheRange) {
  EXPECT_EQ(nice_ticks(0.0, 400.0, 4), (std::vector<double>{0, 100, 200, 300, 400}));
  EXPECT_EQ(nice_ticks(0.0, 1.0, 4), (std::vector<double>{0, 0.5, 1.0}));
  EXPECT_EQ(nice_ticks(-20.0, 45.0, 4), (std::vector<double>{-20, 0, 20, 40}));
  // 0.1 + 0.2 + ... in floating point would stop short of 0.7; counted steps do not.
  const auto small = nice_ticks(0.0, 0.7, 7);
  ASSERT_EQ(small.size(), 8u);
  EXPECT_DOUBLE_EQ(small.back(), 0.7);
  EXPECT_EQ(nice_ticks(3.0, 3.0, 4), (std::vector<double>{3.0}));
}

TEST(ReportSvg, AFanIsTheQuantilesOverReplicatesLeavingOutNaN) {
  // Three replicates of two steps; the second step has a NaN, left out.
  const std::vector<double> values{1, 10, 2, NAN, 3, 30};
  const auto fan = sim::report::fan_of(values, 3, 2);
  EXPECT_DOUBLE_EQ(fan.p50[0], 2.0);
  EXPECT_DOUBLE_EQ(fan.p05[0], 1.1);  // type 7: 1 + 0.05 * 2 * (2 - 1)
  EXPECT_DOUBLE_EQ(fan.p50[1], 20.0);
  EXPECT_DOUBLE_EQ(fan.p95[1], 29.0);
}

TEST(ReportSvg, TextIsEscapedAndABandBreaksAtMissingValues) {
  EXPECT_EQ(sim::report::escape(R"(<a href="x">R&D's</a>)"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;");
  sim::report::FanChart chart;
  chart.title = "G1 & G3";
  chart.x = {2014.25, 2014.5, 2014.75, 2015.0};
  chart.fan = {{1, 1, NAN, 1}, {2, 2, NAN, 2}, {3, 3, NAN, 3}, {4, 4, NAN, 4}, {5, 5, NAN, 5}};
  const std::string svg = sim::report::fan_chart_svg(chart);
  EXPECT_NE(svg.find("G1 &amp; G3"), std::string::npos);
  // Two runs of finite values (two quarters, then one): the 90% band is two polygons.
  std::size_t bands = 0;
  for (auto at = svg.find("class=\"band90\""); at != std::string::npos;
       at = svg.find("class=\"band90\"", at + 1)) {
    ++bands;
  }
  EXPECT_EQ(bands, 2u);
  EXPECT_EQ(svg.find("nan"), std::string::npos) << svg;
}

}  // namespace
