// Grouped bar charts for the run report (svg_chart.h, render_bar_chart): e.g. per memory kind, the
// estimate and the measured peak side by side. The value axis starts at zero, so bar lengths compare.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "chart_frame.h"
#include "zl/metrics/svg_chart.h"

namespace zl::metrics {

std::string render_bar_chart(const ChartOptions& o, const std::vector<std::string>& categories,
                             const std::vector<BarGroup>& groups, const std::vector<std::string>& annotations) {
  std::vector<chart::LegendEntry> legend;
  double hi = 0;
  bool any = false;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string color = groups[g].color.empty() ? chart::palette_color(g) : groups[g].color;
    legend.push_back({groups[g].name, chart::bar_swatch(color)});
    for (const double v : groups[g].values) {
      if (std::isfinite(v)) hi = std::max(hi, v), any = true;
    }
  }
  if (!any || categories.empty()) return chart::figure(chart::empty_chart(o), legend, o.note);
  double lo = 0;
  chart::pad_value_range(lo, hi);
  hi += 0.05 * hi;  // room for the annotations above the tallest bars
  chart::Axis categorical{0, static_cast<double>(categories.size()), {}, {}};
  const chart::Frame frame(o, categorical, chart::make_axis(0, hi, o.y_format, false, 5));

  std::ostringstream svg;
  svg << frame.open();
  const double slot = (frame.right() - frame.left()) / static_cast<double>(categories.size());
  const double bar = slot * 0.76 / static_cast<double>(std::max<std::size_t>(groups.size(), 1));
  for (std::size_t c = 0; c < categories.size(); ++c) {
    const double x = frame.left() + slot * static_cast<double>(c);
    double top = frame.bottom();
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const double v = c < groups[g].values.size() ? groups[g].values[c] : std::nan("");
      if (!std::isfinite(v)) continue;
      const std::string color = groups[g].color.empty() ? chart::palette_color(g) : groups[g].color;
      const double y = frame.py(v);
      top = std::min(top, y);
      svg << "<rect class=\"bar\" data-series=\"" << escape_xml(groups[g].name) << "\" data-category=\""
          << escape_xml(categories[c]) << "\" data-value=\"" << chart::data_number(v) << "\" x=\""
          << chart::coord(x + slot * 0.12 + bar * static_cast<double>(g)) << "\" y=\"" << chart::coord(y)
          << "\" width=\"" << chart::coord(bar - 1) << "\" height=\"" << chart::coord(frame.bottom() - y)
          << "\" fill=\"" << color << "\"><title>" << escape_xml(groups[g].name + " " + categories[c] + ": ")
          << (o.y_format == AxisFormat::kBytes ? format_bytes(v) : format_si(v)) << "</title></rect>";
    }
    svg << "<text x=\"" << chart::coord(x + slot / 2) << "\" y=\"" << chart::coord(frame.bottom() + 17)
        << "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#333\">" << escape_xml(categories[c]) << "</text>";
    if (c < annotations.size() && !annotations[c].empty()) {
      svg << "<text class=\"annotation\" x=\"" << chart::coord(x + slot / 2) << "\" y=\"" << chart::coord(top - 5)
          << "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#333\">" << escape_xml(annotations[c]) << "</text>";
    }
  }
  svg << "</svg>";
  return chart::figure(svg.str(), legend, o.note);
}

}  // namespace zl::metrics
