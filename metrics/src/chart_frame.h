// The parts every report chart shares (svg_chart.cc draws lines, svg_bar_chart.cc bars): the value
// axes and their ticks, the plot frame with title, grid, axis labels and markers, the palette, and the
// HTML legend and figure around the SVG. Private to the metrics component.
#pragma once

#include <string>
#include <vector>

#include "zl/metrics/svg_chart.h"

namespace zl::metrics::chart {

// A value axis: the range drawn and its ticks (values inside the range, with their labels).
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};

// Ticks at about `count` round numbers covering [lo, hi] (lo < hi), in binary units for kBytes and at
// whole numbers only when `integer`.
Axis make_axis(double lo, double hi, AxisFormat format, bool integer, int count);

// Widens a measured [lo, hi] for drawing: a flat range gets room around it, a range that starts near
// zero starts at zero, and either end not at zero gets 5% room so lines do not run along the frame.
void pad_value_range(double& lo, double& hi);

// The plot area inside the viewBox (kChartWidth x options.height) and the mapping into it.
class Frame {
 public:
  // x_axis without ticks = categorical x (the caller labels it).
  Frame(const ChartOptions& options, Axis x_axis, Axis y_axis);

  [[nodiscard]] double px(double x) const;
  [[nodiscard]] double py(double y) const;
  [[nodiscard]] double left() const { return left_; }
  [[nodiscard]] double right() const { return right_; }
  [[nodiscard]] double top() const { return top_; }
  [[nodiscard]] double bottom() const { return bottom_; }

  // "<svg ...>" with the title, horizontal grid, both axes, tick labels and axis labels.
  [[nodiscard]] std::string open() const;
  // The options' markers as labelled vertical lines (call after the data so they stay visible).
  [[nodiscard]] std::string markers() const;

 private:
  const ChartOptions& options_;
  Axis x_, y_;
  double left_, right_, top_, bottom_;
};

// An SVG element for a chart with no points, with the title and "no data".
std::string empty_chart(const ChartOptions& options);

// The default colour of series i: ten colours told apart easily, none of them the markers' grey.
std::string palette_color(std::size_t i);
inline constexpr const char* kMarkerColor = "#444";

// A coordinate in the viewBox as SVG text, to a tenth of a unit.
std::string coord(double v);
// A data value for a data-* attribute: all its digits, never exponent notation for whole numbers
// below 10^15 (steps, bytes).
std::string data_number(double v);

struct LegendEntry {
  std::string name;
  std::string swatch;  // SVG content drawn in a 26x12 box
};
std::string line_swatch(const std::string& color, SeriesStyle style);
std::string area_swatch(const std::string& color);  // a band's shaded area
std::string bar_swatch(const std::string& color);   // a solid bar
std::string marker_swatch();

// <figure> with the svg, the legend (omitted when empty) and the note.
std::string figure(const std::string& svg, const std::vector<LegendEntry>& legend, const std::string& note);

}  // namespace zl::metrics::chart
