// The report's memory section (report_parts.h, render_memory_section): per kind, the estimate against
// the measured peak as bar pairs and as a table, what the estimate leaves out, and each rank's total
// over the steps.
//
// Measured peak of a kind on a rank: the largest memory_peak[kind] over its records; logs without
// memory_peak fall back to the largest current memory[kind] (a lower bound, and the table says so).
// "total" is the logged total when present, else the sum of the kinds in each record.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "report_parts.h"
#include "zl/metrics/rank_metrics.h"

namespace zl::metrics::report {
namespace {

double total_of(const std::map<std::string, double>& bytes) {
  if (const auto it = bytes.find("total"); it != bytes.end()) return it->second;
  if (bytes.empty()) return kMissing;
  double sum = 0;
  for (const auto& [kind, b] : bytes) sum += b;
  return sum;
}

double bytes_of(const std::map<std::string, double>& bytes, const std::string& kind) {
  if (kind == "total") return total_of(bytes);
  const auto it = bytes.find(kind);
  return it != bytes.end() ? it->second : kMissing;
}

struct Measured {
  double max = kMissing, min = kMissing;  // over ranks
};

std::map<std::string, Measured> measured_peaks(const RunRecord& run, bool& from_peaks) {
  from_peaks = false;
  for (const auto& rank : run.ranks) {
    for (const auto& s : rank.steps) from_peaks = from_peaks || !s.memory_peak.empty();
  }
  std::vector<std::string> kinds(kMemoryKinds.begin(), kMemoryKinds.end());
  kinds.emplace_back("total");
  std::map<std::string, Measured> out;
  for (const auto& kind : kinds) {
    Measured m;
    for (const auto& rank : run.ranks) {
      double peak = kMissing;
      for (const auto& s : rank.steps) {
        const double b = bytes_of(from_peaks ? s.memory_peak : s.memory, kind);
        if (std::isfinite(b)) peak = std::isfinite(peak) ? std::max(peak, b) : b;
      }
      if (!std::isfinite(peak)) continue;
      m.max = std::isfinite(m.max) ? std::max(m.max, peak) : peak;
      m.min = std::isfinite(m.min) ? std::min(m.min, peak) : peak;
    }
    if (std::isfinite(m.max)) out[kind] = m;
  }
  return out;
}

std::string bytes_cell(double bytes) {
  if (!std::isfinite(bytes)) return "<td></td>";
  char exact[32];
  std::snprintf(exact, sizeof exact, "%.0f", bytes);
  return std::string("<td data-bytes=\"") + exact + "\" title=\"" + exact + " bytes\">" + format_bytes(bytes) + "</td>";
}

std::string ratio_text(double measured, double estimate) {
  if (!std::isfinite(measured) || !std::isfinite(estimate) || estimate <= 0) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "\u00d7%.2f", measured / estimate);
  return buffer;
}

// The estimate's own facts against the run's, when they differ (an estimate for another config).
std::string estimate_mismatch(const RunRecord& run) {
  if (!run.estimate || !run.config) return "";
  const MemoryEstimate& e = *run.estimate;
  std::string out;
  if (e.zero_stage >= 0 && run.config->zero_stage >= 0 && e.zero_stage != run.config->zero_stage) {
    out += " ZeRO stage " + std::to_string(e.zero_stage) + " (the run: " + std::to_string(run.config->zero_stage) + ")";
  }
  if (e.world_size > 0 && run.config->world_size > 0 && e.world_size != run.config->world_size) {
    out += " world size " + std::to_string(e.world_size) + " (the run: " + std::to_string(run.config->world_size) + ")";
  }
  return out.empty() ? "" : "The estimate was made for" + out + ".";
}

}  // namespace

std::string render_memory_section(const RunRecord& run) {
  bool from_peaks = false;
  const auto measured = measured_peaks(run, from_peaks);
  std::ostringstream html;
  html << "<section class=\"memory\" id=\"memory\"><h2>Memory per rank</h2>";
  if (measured.empty()) {
    html << "<p class=\"note\">The step logs hold no memory bytes: no memory charts.</p></section>\n";
    return html.str();
  }
  const std::map<std::string, double> none;
  const auto& estimate = run.estimate ? run.estimate->per_rank_bytes : none;
  std::vector<std::string> categories;
  std::vector<double> estimated, peak;
  std::vector<std::string> ratios;
  std::vector<std::string> kinds(kMemoryKinds.begin(), kMemoryKinds.end());
  kinds.emplace_back("total");
  for (const auto& kind : kinds) {
    const auto m = measured.find(kind);
    const double e = bytes_of(estimate, kind);
    if (m == measured.end() && !std::isfinite(e)) continue;
    categories.push_back(kind);
    estimated.push_back(e);
    peak.push_back(m != measured.end() ? m->second.max : kMissing);
    ratios.push_back(ratio_text(peak.back(), e));
  }
  const std::string measured_name =
      from_peaks ? "measured peak (largest rank)" : "measured, largest current (largest rank; no peaks logged)";

  ChartOptions bars;
  bars.title = run.estimate ? "Memory by kind: estimate vs measured" : "Memory by kind: measured";
  bars.x_label = run.estimate ? "memory kind (\u00d7 = measured / estimate)" : "memory kind";
  bars.y_label = "bytes per rank";
  bars.y_format = AxisFormat::kBytes;
  if (!run.estimate) bars.note = "memory_estimate.json is absent: nothing to compare with.";
  std::vector<BarGroup> groups;
  if (run.estimate) groups.push_back({"estimate (zlaunch estimate-memory)", estimated, "#9ecae1"});
  groups.push_back({measured_name, peak, "#1f5f99"});

  ChartOptions over_steps = step_chart(run, "Memory held per rank (total)", "bytes");
  over_steps.y_format = AxisFormat::kBytes;
  PerRankChart totals = per_rank_chart(run, [](const StepRecord& s) { return total_of(s.memory); });
  over_steps.note = totals.note;

  html << "<div class=\"charts\">" << render_bar_chart(bars, categories, groups, ratios)
       << render_line_chart(over_steps, totals.series, totals.bands) << "</div>";

  html << "<table class=\"memory\"><caption>Bytes per rank by kind</caption><tr><th>kind</th>";
  if (run.estimate) html << "<th>estimate</th>";
  html << "<th>" << (from_peaks ? "measured peak" : "measured (largest current)") << ", largest rank</th><th>"
       << (from_peaks ? "measured peak" : "measured (largest current)") << ", smallest rank</th>";
  if (run.estimate) html << "<th>measured / estimate</th><th>estimate is</th>";
  html << "</tr>";
  for (std::size_t i = 0; i < categories.size(); ++i) {
    const auto m = measured.find(categories[i]);
    html << "<tr data-kind=\"" << escape_xml(categories[i]) << "\"><td>" << escape_xml(categories[i]) << "</td>";
    if (run.estimate) html << bytes_cell(estimated[i]);
    html << bytes_cell(peak[i]) << bytes_cell(m != measured.end() ? m->second.min : kMissing);
    if (run.estimate) {
      const auto& exact = run.estimate->exact;
      const bool is_exact = std::find(exact.begin(), exact.end(), categories[i]) != exact.end();
      html << "<td class=\"ratio\">" << ratios[i] << "</td><td>" << (is_exact ? "exact" : "approximate") << "</td>";
    }
    html << "</tr>";
  }
  html << "</table>";
  if (!from_peaks)
    html << "<p class=\"note\">The step logs hold no memory_peak: measured values are the largest "
            "current bytes at step ends, a lower bound of the peaks.</p>";
  if (run.estimate) {
    const std::string mismatch = estimate_mismatch(run);
    if (!mismatch.empty()) html << "<p class=\"note warning\">" << escape_xml(mismatch) << "</p>";
    if (!run.estimate->leaves_out.empty()) {
      html << "<p class=\"note\">The estimate leaves out:</p><ul class=\"leaves-out\">";
      for (const auto& text : run.estimate->leaves_out) html << "<li>" << escape_xml(text) << "</li>";
      html << "</ul>";
    }
  }
  html << "</section>\n";
  return html.str();
}

}  // namespace zl::metrics::report
