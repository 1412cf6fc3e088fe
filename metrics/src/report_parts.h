// The parts of the HTML run report, each in its own file, all reading one RunRecord (run_record.h):
//   report_series.cc    step-axis series: lines split per attempt, per-rank lines or a band, restart markers
//   report_summary.cc   the summary block, the attempts table and the notes
//   report_memory.cc    estimate against measured memory (bars, table) and memory over steps
//   run_report.cc       the other charts and the page around them
// Private to the metrics component.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "run_record.h"
#include "zl/metrics/svg_chart.h"

namespace zl::metrics::report {

// A value of one step record; kMissing (NaN) where the record lacks it.
using StepValue = std::function<double(const StepRecord&)>;

// More ranks than this are drawn as a min-max band with the median rather than one line each, where
// colours could no longer be told apart.
inline constexpr std::size_t kMaxRankLines = 8;

// One rank's values by step, one line per attempt: a new line starts where the attempt changes or the
// step does not increase (a step trained again after a resume), so lines never zig-zag back.
std::vector<Polyline> attempt_lines(const std::vector<StepRecord>& steps, const StepValue& value);

// True when any record of any rank has a finite value.
bool any_value(const RunRecord& run, const StepValue& value);

// A chart of one value per rank by step: up to kMaxRankLines ranks as one series each ("rank K",
// palette colours, split per attempt); more as bands over the ranks at each step, one band per
// attempt, with a note naming the ranks of the lowest and highest mean. Ranks whose values are all
// equal are one series, "every rank (N, equal values)".
struct PerRankChart {
  std::vector<Series> series;
  std::vector<Band> bands;
  std::string note;
};
PerRankChart per_rank_chart(const RunRecord& run, const StepValue& value);

// Options for a chart over optimizer steps: the step x axis and a marker where each attempt after the
// first begins (its first logged step).
ChartOptions step_chart(const RunRecord& run, const std::string& title, const std::string& y_label);

// The highest attempt number in the step logs or attempts.jsonl (0 for a run never restarted).
int last_attempt(const RunRecord& run);

std::string render_summary(const RunRecord& run);
std::string render_memory_section(const RunRecord& run);

// "12.3 s", "4 min 05 s", "2 h 07 min".
std::string format_duration(double seconds);

}  // namespace zl::metrics::report
