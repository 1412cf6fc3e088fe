// LineChart: a self-contained SVG line chart (axes with ticks, one polyline per series, a legend) for
// the HTML run report. No scripts, no external resources: the page works offline and in any browser.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace zl::metrics {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
  bool dashed = false;                            // e.g. an estimate drawn against measurements
  std::string color{};                            // CSS colour; "" = the palette's colour for its index
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 960;
  int height = 320;
};

// Renders the chart as an <svg> element. Series with no points are listed in the legend only; a chart
// with no points at all says "no data" instead of drawing empty axes.
std::string render_line_chart(const ChartOptions& options, const std::vector<Series>& series);

// A tick or table number as people read it: SI suffixes from 10^3 on (12.5k, 1.9M, 3G), plain
// decimals in between, milli/micro below 0.01 (5m, 20µ) - never exponent notation.
std::string format_si(double value);

// Escapes text for HTML and SVG content and attributes.
std::string escape_xml(const std::string& text);

}  // namespace zl::metrics
