// Step-axis series for the run report (report_parts.h): how attempts, ranks and restarts become lines,
// bands and markers, decided once for every chart.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "report_parts.h"

namespace zl::metrics::report {

std::vector<Polyline> attempt_lines(const std::vector<StepRecord>& steps, const StepValue& value) {
  std::vector<Polyline> lines;
  const StepRecord* previous = nullptr;
  for (const auto& s : steps) {
    const double v = value(s);
    if (previous == nullptr || s.attempt != previous->attempt || s.step <= previous->step) lines.emplace_back();
    previous = &s;
    if (std::isfinite(v)) lines.back().emplace_back(static_cast<double>(s.step), v);
  }
  std::erase_if(lines, [](const Polyline& line) { return line.empty(); });
  return lines;
}

bool any_value(const RunRecord& run, const StepValue& value) {
  for (const auto& rank : run.ranks) {
    for (const auto& s : rank.steps) {
      if (std::isfinite(value(s))) return true;
    }
  }
  return false;
}

namespace {

double median_of(std::vector<double> v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  if (v.size() % 2 == 1) return v[mid];
  return 0.5 * (v[mid] + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
}

// One band per attempt (a step trained again after a resume is a second band beside the first, in its
// own colour) over the ranks' values at each step, and the note on the lowest and highest rank.
std::vector<Band> rank_bands(const RunRecord& run, const StepValue& value, std::string& note) {
  // attempt -> step -> values over ranks; std::map keeps attempts, then steps, in order.
  std::map<int, std::map<std::int64_t, std::vector<double>>> at;
  std::map<int, std::pair<double, int>> sum_by_rank;  // rank -> (sum, count), for the note
  for (const auto& rank : run.ranks) {
    for (const auto& s : rank.steps) {
      const double v = value(s);
      if (!std::isfinite(v)) continue;
      at[s.attempt][s.step].push_back(v);
      auto& [sum, count] = sum_by_rank[rank.rank];
      sum += v, ++count;
    }
  }
  std::vector<Band> bands;
  const std::string ranks = std::to_string(run.ranks.size()) + " ranks";
  for (const auto& [attempt, steps] : at) {
    Band band{at.size() == 1 ? ranks : ranks + ", attempt " + std::to_string(attempt), {{}}, {}};
    for (const auto& [step, values] : steps) {
      band.parts.front().push_back({static_cast<double>(step), *std::min_element(values.begin(), values.end()),
                                    median_of(values), *std::max_element(values.begin(), values.end())});
    }
    bands.push_back(std::move(band));
  }
  if (!sum_by_rank.empty()) {
    auto mean = [](const std::pair<double, int>& p) { return p.first / p.second; };
    auto lowest = sum_by_rank.begin(), highest = sum_by_rank.begin();
    for (auto it = sum_by_rank.begin(); it != sum_by_rank.end(); ++it) {
      if (mean(it->second) < mean(lowest->second)) lowest = it;
      if (mean(it->second) > mean(highest->second)) highest = it;
    }
    note = "Mean over the run: lowest rank " + std::to_string(lowest->first) + " (" + format_si(mean(lowest->second)) +
           "), highest rank " + std::to_string(highest->first) + " (" + format_si(mean(highest->second)) + ").";
  }
  return bands;
}

}  // namespace

PerRankChart per_rank_chart(const RunRecord& run, const StepValue& value) {
  PerRankChart chart;
  for (const auto& rank : run.ranks) {
    chart.series.push_back(Series{"rank " + std::to_string(rank.rank), attempt_lines(rank.steps, value)});
  }
  // Ranks with the same values throughout (an even partition's memory) would hide behind the last one
  // drawn, or make a band of no width: they are one line, named so.
  const bool all_equal =
      chart.series.size() > 1 && std::all_of(chart.series.begin(), chart.series.end(),
                                             [&](const Series& s) { return s.lines == chart.series.front().lines; });
  if (all_equal) {
    chart.series.resize(1);
    chart.series.front().name = "every rank (" + std::to_string(run.ranks.size()) + ", equal values)";
  } else if (run.ranks.size() > kMaxRankLines) {
    chart.series.clear();
    chart.bands = rank_bands(run, value, chart.note);
  }
  return chart;
}

int last_attempt(const RunRecord& run) {
  int last = run.attempts.empty() ? 0 : run.attempts.back().attempt;
  for (const auto& rank : run.ranks) {
    for (const auto& s : rank.steps) last = std::max(last, s.attempt);
  }
  return last;
}

ChartOptions step_chart(const RunRecord& run, const std::string& title, const std::string& y_label) {
  ChartOptions o;
  o.title = title;
  o.x_label = "optimizer step";
  o.y_label = y_label;
  o.integer_x = true;
  std::map<int, std::int64_t> first_step;  // attempt -> its first logged step on any rank
  for (const auto& rank : run.ranks) {
    for (const auto& s : rank.steps) {
      if (s.attempt == 0) continue;
      const auto [it, inserted] = first_step.emplace(s.attempt, s.step);
      if (!inserted) it->second = std::min(it->second, s.step);
    }
  }
  for (const auto& [attempt, step] : first_step) {
    o.markers.push_back({static_cast<double>(step), "attempt " + std::to_string(attempt)});
  }
  if (!o.markers.empty()) o.marker_legend = "restart: attempt N begins (its first step)";
  return o;
}

std::string format_duration(double seconds) {
  char buffer[48];
  if (!std::isfinite(seconds)) return "unknown";
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  } else if (seconds < 3600) {
    const long long s = std::llround(seconds);
    std::snprintf(buffer, sizeof buffer, "%lld min %02lld s", s / 60, s % 60);
  } else {
    const long long m = std::llround(seconds / 60);
    std::snprintf(buffer, sizeof buffer, "%lld h %02lld min", m / 60, m % 60);
  }
  return buffer;
}

}  // namespace zl::metrics::report
