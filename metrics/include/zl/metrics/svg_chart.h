// Charts for the HTML run report: self-contained SVG (no scripts, no external resources), so the page
// works offline and in any browser. Each chart is a <figure>: the <svg> scales with its container
// (viewBox, width 100%), and the legend is HTML under it, where the browser wraps long legends instead
// of clipping them. Hooks for tests and readers of the markup:
//   <polyline class="series" data-series="NAME">      one per line of a Series
//   <polygon class="band" data-series="NAME">         one per part of a Band (its min..max area)
//   <line class="marker" data-x="X">                  one per Marker
//   <li class="legend-entry">SWATCH NAME</li>         one per Series, two per Band, one for all Markers
// The page includes chart_stylesheet() once for the figures' classes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace zl::metrics {

// (x, y) points, x ascending. Non-finite points are left out of the drawing.
using Polyline = std::vector<std::pair<double, double>>;

enum class SeriesStyle {
  kLine,
  kDashed,  // e.g. an estimate drawn against measurements
  kDots,    // points only, e.g. a validation loss measured now and then
};

struct Series {
  std::string name;
  // Drawn one by one and never joined: a run resumed from a checkpoint repeats steps, and each attempt
  // is its own line rather than a zig-zag back to the earlier step.
  std::vector<Polyline> lines;
  SeriesStyle style = SeriesStyle::kLine;
  std::string color{};  // CSS colour; "" = the palette's colour for its index
};

// The spread of many series (ranks) at each x: a shaded lo..hi area and a line through mid.
struct BandPoint {
  double x = 0, lo = 0, mid = 0, hi = 0;
};
struct Band {
  std::string name;                           // legend: "<name>: median" and "<name>: min-max"
  std::vector<std::vector<BandPoint>> parts;  // like Series::lines: drawn separately, never joined
  std::string color{};
};

// A vertical line across the plot at x, labelled at its top (e.g. where attempt N begins).
struct Marker {
  double x = 0;
  std::string label;
};

enum class AxisFormat {
  kSi,     // 12.5k, 1.9M (format_si)
  kBytes,  // 512 KiB, 1.5 GiB: ticks at round binary units
};

struct ChartOptions {
  std::string title{};
  std::string x_label{};  // with its unit, e.g. "optimizer step"
  std::string y_label{};  // with its unit, e.g. "seconds"
  AxisFormat y_format = AxisFormat::kSi;
  bool integer_x = false;  // ticks at whole numbers only (steps)
  std::vector<Marker> markers{};
  std::string marker_legend{};  // the legend entry for all markers; "" = none
  std::string note{};           // a line under the legend, e.g. which ranks are slowest
  int height = 300;             // viewBox units; the width is fixed (kChartWidth) and the page scales it
};

inline constexpr int kChartWidth = 640;

// Renders a line chart. Series with no points are listed in the legend only; a chart with no points at
// all says "no data" instead of drawing empty axes.
std::string render_line_chart(const ChartOptions& options, const std::vector<Series>& series,
                              const std::vector<Band>& bands = {});

// Grouped bars: for every category (x), one bar per group side by side. A non-finite value draws no
// bar. annotations (one per category, "" = none) are written above the category's bars.
struct BarGroup {
  std::string name;
  std::vector<double> values;  // one per category
  std::string color{};
};
std::string render_bar_chart(const ChartOptions& options, const std::vector<std::string>& categories,
                             const std::vector<BarGroup>& groups, const std::vector<std::string>& annotations = {});

// A tick or table number as people read it: SI suffixes from 10^3 on (12.5k, 1.9M, 3G), plain
// decimals in between, milli/micro below 0.01 (5m, 20µ) - never exponent notation.
std::string format_si(double value);

// Bytes in binary units with three significant digits: "512 B", "1.50 KiB", "12.0 MiB", "3.25 GiB".
std::string format_bytes(double bytes);

// The CSS for the classes the figures use (legend, caption); the page includes it once.
std::string chart_stylesheet();

// Escapes text for HTML and SVG content and attributes.
std::string escape_xml(const std::string& text);

}  // namespace zl::metrics
