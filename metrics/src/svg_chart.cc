// SVG line charts for the run report (svg_chart.h).
#include "zl/metrics/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace zl::metrics {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// Tick values: about `count` round numbers covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int count) {
  const double span = hi - lo;
  const double raw = span / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) {
      step = m * magnitude;
      break;
    }
  }
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
  return out;
}

}  // namespace

std::string format_si(double v) {
  struct Prefix {
    double scale;
    const char* suffix;
  };
  static constexpr Prefix kPrefixes[] = {{1e12, "T"}, {1e9, "G"},  {1e6, "M"},       {1e3, "k"},
                                         {1e-2, ""},  {1e-3, "m"}, {1e-6, "\u00b5"}, {1e-9, "n"}};
  char buffer[32] = {};
  const double a = std::fabs(v);
  if (a == 0 || !std::isfinite(v)) {
    std::snprintf(buffer, sizeof buffer, "%g", v);
    return buffer;
  }
  for (const auto& p : kPrefixes) {
    if (a >= p.scale || p.scale == 1e-9) {
      // 0.01 .. 999 is written plainly: 0.25 s reads better than 250m.
      std::snprintf(buffer, sizeof buffer, "%.3g%s", *p.suffix == '\0' ? v : v / p.scale, p.suffix);
      return buffer;
    }
  }
  return std::to_string(v);  // not reached: the last prefix always matches
}

std::string escape_xml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_line_chart(const ChartOptions& o, const std::vector<Series>& series) {
  double x0 = std::numeric_limits<double>::max(), x1 = std::numeric_limits<double>::lowest();
  double y0 = x0, y1 = x1;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << o.height
      << "\" viewBox=\"0 0 " << o.width << ' ' << o.height << "\" role=\"img\">";
  svg << "<title>" << escape_xml(o.title) << "</title>";
  svg << "<text x=\"" << o.width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">"
      << escape_xml(o.title) << "</text>";
  if (x0 > x1) {
    svg << "<text x=\"" << o.width / 2 << "\" y=\"" << o.height / 2
        << "\" text-anchor=\"middle\" fill=\"#888\">no data</text></svg>";
    return svg.str();
  }
  if (y0 == y1) y0 -= 1, y1 += 1;
  if (x0 == x1) x0 -= 1, x1 += 1;
  if (y0 > 0 && y0 < 0.3 * y1) y0 = 0;  // start at zero when that costs little resolution
  const double left = 70, right = o.width - 230, top = 30, bottom = o.height - 40;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  auto py = [&](double y) { return bottom - (y - y0) / (y1 - y0) * (bottom - top); };
  svg << "<g font-size=\"11\" fill=\"#333\">";
  for (const double t : ticks(y0, y1, 5)) {
    svg << "<line x1=\"" << left << "\" x2=\"" << right << "\" y1=\"" << py(t) << "\" y2=\"" << py(t)
        << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << py(t) + 4 << "\" text-anchor=\"end\">"
        << format_si(t) << "</text>";
  }
  for (const double t : ticks(x0, x1, 6)) {
    svg << "<text x=\"" << px(t) << "\" y=\"" << bottom + 15 << "\" text-anchor=\"middle\">" << format_si(t)
        << "</text>";
  }
  svg << "<line x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\"" << bottom
      << "\" stroke=\"#333\"/>";
  svg << "<line x1=\"" << left << "\" x2=\"" << right << "\" y1=\"" << bottom << "\" y2=\"" << bottom
      << "\" stroke=\"#333\"/>";
  svg << "<text x=\"" << (left + right) / 2 << "\" y=\"" << o.height - 6 << "\" text-anchor=\"middle\">"
      << escape_xml(o.x_label) << "</text>";
  svg << "<text transform=\"translate(14," << (top + bottom) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << escape_xml(o.y_label) << "</text></g>";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::string color =
        series[i].color.empty() ? kPalette[i % (sizeof kPalette / sizeof kPalette[0])] : series[i].color;
    svg << "<polyline class=\"series\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\""
        << (series[i].dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
    for (const auto& [x, y] : series[i].points) {
      if (std::isfinite(x) && std::isfinite(y)) svg << px(x) << ',' << py(y) << ' ';
    }
    svg << "\"/>";
    const double ly = top + 14.0 * static_cast<double>(i);
    svg << "<line x1=\"" << right + 10 << "\" x2=\"" << right + 30 << "\" y1=\"" << ly << "\" y2=\"" << ly
        << "\" stroke=\"" << color << "\" stroke-width=\"2\"" << (series[i].dashed ? " stroke-dasharray=\"4 3\"" : "")
        << "/><text x=\"" << right + 34 << "\" y=\"" << ly + 4 << "\" font-size=\"11\">" << escape_xml(series[i].name)
        << "</text>";
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace zl::metrics
