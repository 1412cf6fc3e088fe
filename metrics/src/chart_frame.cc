// The shared frame of the report's charts (chart_frame.h).
#include "chart_frame.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <sstream>

namespace zl::metrics::chart {
namespace {

// Room for, from the left: the rotated y label, tick labels as long as "1.50 GiB"; below: tick labels
// and the x label; above: the title and a row of marker labels.
constexpr double kLeft = 82, kRight = 18, kTop = 50, kBottom = 46;

// The round step (1, 2 or 5 times a power of ten) whose tick count over span comes closest to count.
double tick_step(double span, int count, bool integer) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(span / count)));
  double best = magnitude;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (std::fabs(span / (m * magnitude) - count) < std::fabs(span / best - count)) best = m * magnitude;
  }
  return integer ? std::max(best, 1.0) : best;
}

// The unit every tick label of an axis is written in, chosen by the axis's largest magnitude so that
// one axis never mixes prefixes ("950µ" under "1m"): binary units for bytes, SI prefixes otherwise
// (none from 0.01 to 999, as format_si).
struct TickUnit {
  double from;   // the unit applies to axes whose largest magnitude is at least this
  double scale;  // a label is value / scale, then the suffix
  const char* suffix;
};
TickUnit tick_unit(double largest, AxisFormat format) {
  static constexpr TickUnit kBytes[] = {{1099511627776.0, 1099511627776.0, " TiB"},
                                        {1073741824.0, 1073741824.0, " GiB"},
                                        {1048576.0, 1048576.0, " MiB"},
                                        {1024.0, 1024.0, " KiB"},
                                        {0.0, 1.0, " B"}};
  static constexpr TickUnit kSi[] = {{1e12, 1e12, "T"}, {1e9, 1e9, "G"},   {1e6, 1e6, "M"},        {1e3, 1e3, "k"},
                                     {1e-2, 1.0, ""},   {1e-3, 1e-3, "m"}, {1e-6, 1e-6, "\u00b5"}, {0.0, 1e-9, "n"}};
  const auto units = format == AxisFormat::kBytes ? std::span<const TickUnit>(kBytes) : std::span<const TickUnit>(kSi);
  for (const auto& unit : units) {
    if (largest >= unit.from) return unit;
  }
  return units.back();
}

}  // namespace

Axis make_axis(double lo, double hi, AxisFormat format, bool integer, int count) {
  Axis axis{lo, hi, {}, {}};
  const TickUnit unit = tick_unit(std::max(std::fabs(lo), std::fabs(hi)), format);
  // Byte ticks fall on round numbers of the unit (1, 2, 5 MiB), SI ticks on round numbers.
  const double scale = format == AxisFormat::kBytes ? unit.scale : 1.0;  // of the tick step
  const double step = tick_step((hi - lo) / scale, count, integer && scale == 1.0) * scale;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    const double value = std::fabs(v) < step * 1e-9 ? 0.0 : v;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g%s", value / unit.scale, unit.suffix);
    axis.ticks.push_back(value);
    axis.labels.emplace_back(value == 0 ? "0" : buffer);
  }
  return axis;
}

void pad_value_range(double& lo, double& hi) {
  if (lo == hi) {
    const double room = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= room, hi += room;
  }
  if (lo > 0 && lo < 0.3 * hi) lo = 0;  // start at zero when that costs little resolution
  const double room = 0.05 * (hi - lo);
  hi += room;
  if (lo != 0) lo -= room;
}

Frame::Frame(const ChartOptions& options, Axis x_axis, Axis y_axis)
    : options_(options),
      x_(std::move(x_axis)),
      y_(std::move(y_axis)),
      left_(kLeft),
      right_(kChartWidth - kRight),
      top_(kTop),
      bottom_(options.height - kBottom) {}

double Frame::px(double x) const { return left_ + (x - x_.lo) / (x_.hi - x_.lo) * (right_ - left_); }
double Frame::py(double y) const { return bottom_ - (y - y_.lo) / (y_.hi - y_.lo) * (bottom_ - top_); }

std::string Frame::open() const {
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 " << kChartWidth << ' '
      << options_.height << "\" role=\"img\" font-family=\"sans-serif\"><title>" << escape_xml(options_.title)
      << "</title><text x=\"" << kChartWidth / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
      << "font-weight=\"bold\">" << escape_xml(options_.title) << "</text><g font-size=\"12\" fill=\"#333\">";
  for (std::size_t i = 0; i < y_.ticks.size(); ++i) {
    const std::string y = coord(py(y_.ticks[i]));
    svg << "<line x1=\"" << coord(left_) << "\" x2=\"" << coord(right_) << "\" y1=\"" << y << "\" y2=\"" << y
        << "\" stroke=\"#e6e6e6\"/><text x=\"" << coord(left_ - 6) << "\" y=\"" << coord(py(y_.ticks[i]) + 4)
        << "\" text-anchor=\"end\">" << escape_xml(y_.labels[i]) << "</text>";
  }
  for (std::size_t i = 0; i < x_.ticks.size(); ++i) {
    svg << "<line x1=\"" << coord(px(x_.ticks[i])) << "\" x2=\"" << coord(px(x_.ticks[i])) << "\" y1=\""
        << coord(bottom_) << "\" y2=\"" << coord(bottom_ + 4) << "\" stroke=\"#333\"/><text x=\""
        << coord(px(x_.ticks[i])) << "\" y=\"" << coord(bottom_ + 17) << "\" text-anchor=\"middle\">"
        << escape_xml(x_.labels[i]) << "</text>";
  }
  svg << "<line x1=\"" << coord(left_) << "\" x2=\"" << coord(left_) << "\" y1=\"" << coord(top_) << "\" y2=\""
      << coord(bottom_) << "\" stroke=\"#333\"/><line x1=\"" << coord(left_) << "\" x2=\"" << coord(right_)
      << "\" y1=\"" << coord(bottom_) << "\" y2=\"" << coord(bottom_) << "\" stroke=\"#333\"/>";
  svg << "<text x=\"" << coord((left_ + right_) / 2) << "\" y=\"" << options_.height - 8 << "\" text-anchor=\"middle\">"
      << escape_xml(options_.x_label) << "</text><text transform=\"translate(16," << coord((top_ + bottom_) / 2)
      << ") rotate(-90)\" text-anchor=\"middle\">" << escape_xml(options_.y_label) << "</text></g>";
  return svg.str();
}

std::string Frame::markers() const {
  std::ostringstream svg;
  constexpr double kCharWidth = 6.2;  // font-size 11, sans-serif, on average
  // Labels go in the strip between the title and the plot; one that would overlap the label before it
  // drops into a row inside the plot (two of them), and one that would pass the right edge ends at
  // its line instead of starting there.
  const double rows[] = {top_ - 5, top_ + 12, top_ + 25};
  double row_end[] = {left_ - 100, left_ - 100, left_ - 100};
  for (std::size_t i = 0; i < options_.markers.size(); ++i) {
    const Marker& m = options_.markers[i];
    const double x = px(m.x);
    svg << "<line class=\"marker\" data-x=\"" << data_number(m.x) << "\" x1=\"" << coord(x) << "\" x2=\"" << coord(x)
        << "\" y1=\"" << coord(top_) << "\" y2=\"" << coord(bottom_) << "\" stroke=\"" << kMarkerColor
        << "\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>";
    const double width = kCharWidth * static_cast<double>(m.label.size());
    const bool fits_right = x + 4 + width <= kChartWidth - 4;
    const double start = fits_right ? x + 4 : x - 4 - width;
    std::size_t row = 0;
    while (row + 1 < std::size(rows) && start < row_end[row] + 6) ++row;
    row_end[row] = start + width;
    svg << "<text x=\"" << coord(fits_right ? x + 4 : x - 4) << "\" y=\"" << coord(rows[row])
        << "\" font-size=\"11\" fill=\"" << kMarkerColor << "\" text-anchor=\"" << (fits_right ? "start" : "end")
        << "\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\">" << escape_xml(m.label) << "</text>";
  }
  return svg.str();
}

std::string empty_chart(const ChartOptions& options) {
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 " << kChartWidth << ' '
      << options.height << "\" role=\"img\" font-family=\"sans-serif\"><title>" << escape_xml(options.title)
      << "</title><text x=\"" << kChartWidth / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" "
      << "font-weight=\"bold\">" << escape_xml(options.title) << "</text><text x=\"" << kChartWidth / 2 << "\" y=\""
      << options.height / 2 << "\" text-anchor=\"middle\" fill=\"#888\">no data</text></svg>";
  return svg.str();
}

std::string palette_color(std::size_t i) {
  // Tableau 10 without its grey (the markers' colour), and a darker olive than its light one.
  static constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                             "#8c564b", "#e377c2", "#17becf", "#9a9b1a", "#393b79"};
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

std::string coord(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string data_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", v);
  return buffer;
}

std::string line_swatch(const std::string& color, SeriesStyle style) {
  if (style == SeriesStyle::kDots) return "<circle cx=\"13\" cy=\"6\" r=\"3.5\" fill=\"" + color + "\"/>";
  return "<line x1=\"1\" x2=\"25\" y1=\"6\" y2=\"6\" stroke=\"" + color + "\" stroke-width=\"2.5\"" +
         (style == SeriesStyle::kDashed ? " stroke-dasharray=\"5 3\"" : "") + "/>";
}

std::string area_swatch(const std::string& color) {
  return "<rect x=\"1\" y=\"1\" width=\"24\" height=\"10\" fill=\"" + color + "\" fill-opacity=\"0.25\"/>";
}

std::string bar_swatch(const std::string& color) {
  return "<rect x=\"5\" y=\"0\" width=\"16\" height=\"12\" fill=\"" + color + "\"/>";
}

std::string marker_swatch() {
  return std::string("<line x1=\"13\" x2=\"13\" y1=\"0\" y2=\"12\" stroke=\"") + kMarkerColor +
         "\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/>";
}

std::string figure(const std::string& svg, const std::vector<LegendEntry>& legend, const std::string& note) {
  std::ostringstream html;
  html << "<figure class=\"chart\">" << svg;
  if (!legend.empty()) {
    html << "<ul class=\"legend\">";
    for (const auto& entry : legend) {
      html << "<li class=\"legend-entry\"><svg width=\"26\" height=\"12\" viewBox=\"0 0 26 12\" aria-hidden=\"true\">"
           << entry.swatch << "</svg>" << escape_xml(entry.name) << "</li>";
    }
    html << "</ul>";
  }
  if (!note.empty()) html << "<figcaption>" << escape_xml(note) << "</figcaption>";
  html << "</figure>";
  return html.str();
}

}  // namespace zl::metrics::chart
