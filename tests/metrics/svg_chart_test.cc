// The report's charts (svg_chart.h): numbers as people read them, lines of one series drawn apart,
// a byte axis in binary units, one unit for all ticks of an axis, markers and bands in the markup and the legend, and
// "no data" for a chart without points.
#include "zl/metrics/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>

#include "run_dir_fixture.h"

namespace zl::metrics {
namespace {

using testing::count;

TEST(SvgChart, NumbersAsPeopleReadThem) {
  EXPECT_EQ(format_si(12500), "12.5k");
  EXPECT_EQ(format_si(0.25), "0.25");
  EXPECT_EQ(format_si(0.005), "5m");
  EXPECT_EQ(format_si(0), "0");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(12.0 * 1048576), "12.0 MiB");
  EXPECT_EQ(format_bytes(300.0 * 1073741824), "300 GiB");
  EXPECT_EQ(escape_xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

TEST(SvgChart, TheLinesOfASeriesAreDrawnApartAndListedOnce) {
  const std::string svg = render_line_chart(
      {"t", "optimizer step", "loss"}, {Series{"a", {{{1, 1}, {2, 2}, {3, 3}}, {{2, 5}, {4, 6}}}}, Series{"b", {}}});
  EXPECT_EQ(count(svg, "<polyline class=\"series\" data-series=\"a\""), 2u);
  EXPECT_EQ(count(svg, "</svg>a</li>"), 1u);
  EXPECT_EQ(count(svg, "</svg>b</li>"), 1u);  // no points: in the legend only
  EXPECT_EQ(count(svg, "data-series=\"b\""), 0u);
  EXPECT_NE(svg.find("width=\"100%\" viewBox=\"0 0 640 300\""), std::string::npos);
}

TEST(SvgChart, BandsAndMarkersAreInTheMarkupAndTheLegend) {
  ChartOptions o{"t", "optimizer step", "seconds"};
  o.markers = {{3, "attempt 1"}};
  o.marker_legend = "restart";
  const std::string svg =
      render_line_chart(o, {}, {Band{"ranks", {{{1, 0, 1, 2}, {2, 1, 2, 3}}, {{3, 0, 1, 2}, {4, 0, 1, 2}}}}});
  EXPECT_EQ(count(svg, "class=\"band\""), 2u);
  EXPECT_EQ(count(svg, "data-series=\"ranks: median\""), 2u);
  EXPECT_EQ(count(svg, "<line class=\"marker\" data-x=\"3\""), 1u);
  EXPECT_EQ(count(svg, ">attempt 1</text>"), 1u);
  EXPECT_EQ(count(svg, "<li class=\"legend-entry\">"), 3u);
}

TEST(SvgChart, AByteAxisTicksAtRoundBinaryUnits) {
  ChartOptions o{"t", "optimizer step", "bytes"};
  o.y_format = AxisFormat::kBytes;
  const std::string svg = render_line_chart(o, {Series{"m", {{{1, 1048576}, {2, 4.0 * 1048576}}}}});
  for (const char* tick : {">1 MiB</text>", ">2 MiB</text>", ">3 MiB</text>", ">4 MiB</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick << svg;
  }
}

TEST(SvgChart, EveryTickOfAnAxisInOneUnit) {
  // 0.95m would be "950µ" on its own; next to 1m it is written in m
  const std::string svg =
      render_line_chart({"t", "optimizer step", "learning rate"}, {Series{"lr", {{{1, 0.0009}, {2, 0.0011}}}}});
  EXPECT_EQ(svg.find("\u00b5</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">1m</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">0.9m</text>"), std::string::npos) << svg;
}

TEST(SvgChart, WholeStepTicksOnAShortRun) {
  ChartOptions o{"t", "optimizer step", "loss"};
  o.integer_x = true;
  const std::string svg = render_line_chart(o, {Series{"l", {{{1, 1}, {2, 2}, {3, 1}}}}});
  EXPECT_EQ(svg.find(">1.5</text>"), std::string::npos);
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);
}

TEST(SvgChart, NoPointsSaysNoData) {
  EXPECT_NE(render_line_chart({"t", "x", "y"}, {Series{"a", {}}}).find("no data"), std::string::npos);
  EXPECT_NE(render_bar_chart({"t", "x", "y"}, {"k"}, {BarGroup{"g", {std::nan("")}}}).find("no data"),
            std::string::npos);
}

}  // namespace
}  // namespace zl::metrics
