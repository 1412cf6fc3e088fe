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
  bool dashed = false;                             // e.g. an estimate drawn against measurements
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 640;
  int height = 300;
};

// Renders the chart as an <svg> element. Series with no points are listed in the legend only; a chart
// with no points at all says "no data" instead of drawing empty axes.
std::string render_line_chart(const ChartOptions& options, const std::vector<Series>& series);

// Escapes text for HTML and SVG content and attributes.
std::string escape_xml(const std::string& text);

}  // namespace zl::metrics
