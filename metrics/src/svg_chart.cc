// Line charts for the run report, and the number and text formatting all charts share (svg_chart.h).
#include "zl/metrics/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "chart_frame.h"

namespace zl::metrics {

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

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  char buffer[32];
  if (!std::isfinite(bytes)) return "-";
  if (std::fabs(bytes) < 1024) {
    std::snprintf(buffer, sizeof buffer, "%.0f B", bytes);
    return buffer;
  }
  double v = bytes / 1024;
  std::size_t unit = 0;
  while (std::fabs(v) >= 1024 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) v /= 1024, ++unit;
  const char* format = std::fabs(v) >= 100 ? "%.0f %s" : std::fabs(v) >= 10 ? "%.1f %s" : "%.2f %s";
  std::snprintf(buffer, sizeof buffer, format, v, kUnits[unit]);
  return buffer;
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

std::string chart_stylesheet() {
  return "figure.chart{margin:0;padding:8px 10px;border:1px solid #ddd;border-radius:4px;background:#fff;"
         "min-width:0}"
         "figure.chart>svg{display:block;height:auto}"
         "ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 0;padding:0 0 0 12%;"
         "font-size:13px}"
         "ul.legend li{display:flex;align-items:center;gap:5px;white-space:nowrap}"
         "figure.chart figcaption{font-size:13px;color:#555;margin:6px 0 0 12%}";
}

std::string render_line_chart(const ChartOptions& o, const std::vector<Series>& series,
                              const std::vector<Band>& bands) {
  double x0 = std::numeric_limits<double>::max(), x1 = std::numeric_limits<double>::lowest();
  double y0 = x0, y1 = x1;
  auto take = [&](double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  };
  for (const auto& s : series) {
    for (const auto& line : s.lines) {
      for (const auto& [x, y] : line) take(x, y);
    }
  }
  for (const auto& b : bands) {
    for (const auto& part : b.parts) {
      for (const auto& p : part) take(p.x, p.lo), take(p.x, p.hi);
    }
  }
  std::vector<chart::LegendEntry> legend;
  auto color_of = [&](const std::string& given, std::size_t i) {
    return given.empty() ? chart::palette_color(i) : given;
  };
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const std::string color = color_of(bands[i].color, i);
    legend.push_back({bands[i].name + ": median", chart::line_swatch(color, SeriesStyle::kLine)});
    legend.push_back({bands[i].name + ": min\u2013max", chart::area_swatch(color)});
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    legend.push_back(
        {series[i].name, chart::line_swatch(color_of(series[i].color, bands.size() + i), series[i].style)});
  }
  if (x0 > x1) return chart::figure(chart::empty_chart(o), legend, o.note);
  for (const auto& m : o.markers) {
    if (std::isfinite(m.x)) x0 = std::min(x0, m.x), x1 = std::max(x1, m.x);
  }
  if (!o.markers.empty() && !o.marker_legend.empty()) legend.push_back({o.marker_legend, chart::marker_swatch()});
  if (x0 == x1) x0 -= 1, x1 += 1;
  chart::pad_value_range(y0, y1);
  const chart::Frame frame(o, chart::make_axis(x0, x1, AxisFormat::kSi, o.integer_x, 6),
                           chart::make_axis(y0, y1, o.y_format, false, 5));

  std::ostringstream svg;
  svg << frame.open();
  auto point = [&](double x, double y) { return chart::coord(frame.px(x)) + ',' + chart::coord(frame.py(y)) + ' '; };
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const std::string color = color_of(bands[i].color, i);
    for (const auto& part : bands[i].parts) {
      svg << "<polygon class=\"band\" data-series=\"" << escape_xml(bands[i].name) << "\" fill=\"" << color
          << "\" fill-opacity=\"0.22\" stroke=\"none\" points=\"";
      for (const auto& p : part) svg << point(p.x, p.hi);
      for (auto it = part.rbegin(); it != part.rend(); ++it) svg << point(it->x, it->lo);
      svg << "\"/><polyline class=\"series\" data-series=\"" << escape_xml(bands[i].name)
          << ": median\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.8\" points=\"";
      for (const auto& p : part) svg << point(p.x, p.mid);
      svg << "\"/>";
    }
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const std::string color = color_of(s.color, bands.size() + i);
    for (const auto& line : s.lines) {
      if (s.style == SeriesStyle::kDots) {
        svg << "<g class=\"dots\" data-series=\"" << escape_xml(s.name) << "\" fill=\"" << color << "\">";
        for (const auto& [x, y] : line) {
          if (std::isfinite(x) && std::isfinite(y)) {
            svg << "<circle cx=\"" << chart::coord(frame.px(x)) << "\" cy=\"" << chart::coord(frame.py(y))
                << "\" r=\"3.5\"/>";
          }
        }
        svg << "</g>";
        continue;
      }
      svg << "<polyline class=\"series\" data-series=\"" << escape_xml(s.name) << "\" fill=\"none\" stroke=\"" << color
          << "\" stroke-width=\"1.8\" stroke-linejoin=\"round\""
          << (s.style == SeriesStyle::kDashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
      for (const auto& [x, y] : line) {
        if (std::isfinite(x) && std::isfinite(y)) svg << point(x, y);
      }
      svg << "\"/>";
    }
  }
  svg << frame.markers() << "</svg>";
  return chart::figure(svg.str(), legend, o.note);
}

}  // namespace zl::metrics
