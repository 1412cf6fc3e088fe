// The HTML run report (run_report.h): the summary, one chart per question over optimizer steps, the
// memory section, and the page around them. A chart whose values no step log holds is left out, and
// the page says which and why, rather than drawing empty axes.
#include "zl/metrics/run_report.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "report_parts.h"
#include "run_record.h"
#include "zl/base/error.h"
#include "zl/metrics/rank_metrics.h"
#include "zl/metrics/svg_chart.h"

namespace zl::metrics {
namespace {

namespace fs = std::filesystem;
using report::RunRecord;
using report::StepRecord;
using report::StepValue;

// The charts so far, and the ones left out with the reason.
struct Charts {
  std::vector<std::string> figures;
  std::vector<std::string> left_out;
};

std::string rank_label(const RunRecord& run) { return "rank " + std::to_string(run.ranks.front().rank); }

// Rank 0's training loss, one series per attempt (a step trained again after a resume appears once
// per attempt, side by side), and the validation losses rank 0 printed as dots.
std::string loss_chart(const RunRecord& run) {
  std::map<int, std::vector<StepRecord>> by_attempt;
  for (const auto& s : run.ranks.front().steps) by_attempt[s.attempt].push_back(s);
  std::vector<Series> series;
  for (const auto& [attempt, steps] : by_attempt) {
    series.push_back(
        Series{by_attempt.size() == 1 ? "training loss" : "training loss, attempt " + std::to_string(attempt),
               report::attempt_lines(steps, [](const StepRecord& s) { return s.loss; })});
  }
  if (!run.console.validation.empty()) {
    Series validation{"validation loss (printed by rank 0)", {{}}, SeriesStyle::kDots, "#111"};
    for (const auto& v : run.console.validation)
      validation.lines.front().emplace_back(static_cast<double>(v.step), v.loss);
    series.push_back(std::move(validation));
  }
  return render_line_chart(report::step_chart(run, "Loss (" + rank_label(run) + ")", "loss (nats/token)"), series);
}

std::string per_rank_figure(const RunRecord& run, const std::string& title, const std::string& y_label,
                            const StepValue& value) {
  ChartOptions o = report::step_chart(run, title, y_label);
  report::PerRankChart chart = report::per_rank_chart(run, value);
  o.note = chart.note;
  return render_line_chart(o, chart.series, chart.bands);
}

// One of rank 0's values, its attempts split into separate lines of one colour.
std::string rank0_figure(const RunRecord& run, const std::string& title, const std::string& y_label,
                         const std::string& name, const StepValue& value) {
  return render_line_chart(report::step_chart(run, title + " (" + rank_label(run) + ")", y_label),
                           {Series{name, report::attempt_lines(run.ranks.front().steps, value)}});
}

// Loss scale (fp16) with the steps it skipped marked on the line.
std::string loss_scale_figure(const RunRecord& run) {
  const auto& steps = run.ranks.front().steps;
  Series skipped{"skipped step (overflow)", {{}}, SeriesStyle::kDots, "#d62728"};
  for (const auto& s : steps) {
    if (s.skipped) skipped.lines.front().emplace_back(static_cast<double>(s.step), s.loss_scale);
  }
  return render_line_chart(
      report::step_chart(run, "Loss scale (" + rank_label(run) + ")", "loss scale"),
      {Series{"loss scale", report::attempt_lines(steps, [](const StepRecord& s) { return s.loss_scale; })},
       std::move(skipped)});
}

// Cumulative seconds in each collective that was called, and the part not overlapped with compute.
std::string comm_figure(const RunRecord& run) {
  const auto& steps = run.ranks.front().steps;
  std::vector<Series> series;
  for (const char* collective : kCollectives) {
    const std::string name = collective;
    const StepValue seconds = [name](const StepRecord& s) {
      const auto it = s.comm_seconds.find(name);
      return it != s.comm_seconds.end() ? it->second : report::kMissing;
    };
    bool called = false;
    for (const auto& s : steps) called = called || seconds(s) > 0;
    if (called) series.push_back(Series{name, report::attempt_lines(steps, seconds)});
  }
  Series exposed{"exposed (not overlapped with compute)",
                 report::attempt_lines(steps, [](const StepRecord& s) { return s.comm_exposed_seconds; }),
                 SeriesStyle::kDashed, "#111"};
  if (!exposed.lines.empty()) series.push_back(std::move(exposed));
  ChartOptions o = report::step_chart(run, "Communication time per collective (" + rank_label(run) + ")",
                                      "seconds, cumulative within an attempt");
  if (series.empty()) o.note = "No collective took any time.";
  return render_line_chart(o, series);
}

void add_chart(Charts& charts, const RunRecord& run, const std::string& what, const StepValue& needed,
               const std::function<std::string()>& render) {
  if (report::any_value(run, needed)) {
    charts.figures.push_back(render());
  } else {
    charts.left_out.push_back(what);
  }
}

Charts step_charts(const RunRecord& run) {
  Charts c;
  const StepValue loss = [](const StepRecord& s) { return s.loss; };
  const StepValue rank_tokens_per_s = [](const StepRecord& s) { return s.rank_tokens / s.seconds; };
  const StepValue seconds = [](const StepRecord& s) { return s.seconds; };
  const StepValue grad_norm = [](const StepRecord& s) { return s.grad_norm; };
  const StepValue lr = [](const StepRecord& s) { return s.lr; };
  // fp16's dynamic scale: a chart only when it ever left 1 (bf16 and fp32 log 1 throughout).
  const StepValue varying_scale = [](const StepRecord& s) {
    return s.loss_scale != 1 ? s.loss_scale : report::kMissing;
  };
  const StepValue comm = [](const StepRecord& s) { return s.comm_seconds.empty() ? report::kMissing : 0.0; };

  add_chart(c, run, "loss (no \"loss\")", loss, [&] { return loss_chart(run); });
  add_chart(c, run, "tokens per second (no \"rank_tokens\"/\"tokens\" with \"seconds\")", rank_tokens_per_s, [&] {
    return per_rank_figure(run, "Tokens per second per rank", "tokens/s (the rank's tokens / step seconds)",
                           rank_tokens_per_s);
  });
  add_chart(c, run, "step time (no \"seconds\")", seconds,
            [&] { return per_rank_figure(run, "Step time per rank", "seconds per step", seconds); });
  add_chart(c, run, "gradient norm (no \"grad_norm\")", grad_norm,
            [&] { return rank0_figure(run, "Gradient norm before clipping", "L2 norm", "gradient norm", grad_norm); });
  add_chart(c, run, "learning rate (no \"lr\")", lr,
            [&] { return rank0_figure(run, "Learning rate", "learning rate", "learning rate", lr); });
  if (report::any_value(run, varying_scale)) c.figures.push_back(loss_scale_figure(run));
  add_chart(c, run, "communication (no \"comm\")", comm, [&] { return comm_figure(run); });
  return c;
}

constexpr const char* kPageStyle =
    "body{font-family:system-ui,sans-serif;margin:20px 28px;color:#222;background:#f6f6f6}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:26px 0 10px}"
    "p.run{margin:0 0 8px;color:#555}code{font-size:0.95em}"
    "section.summary{background:#fff;border:1px solid #ddd;border-radius:4px;padding:4px 18px 12px}"
    "section.summary h2{margin-top:12px}"
    "dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:5px 22px;margin:0 0 10px}"
    "dl.summary dt{font-weight:600;color:#444}dl.summary dd{margin:0;overflow-wrap:anywhere}"
    ".detail{color:#666}.unknown{color:#888;font-style:italic}"
    "ul.failures{margin:4px 0 0;padding-left:20px}.root-cause{color:#a31515}"
    "ul.notes{color:#666;font-size:13px;margin:10px 0 0;padding-left:20px}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}"
    "table{border-collapse:collapse;margin:12px 0;font-size:14px;background:#fff}"
    "caption{text-align:left;padding:4px 0;font-weight:600}"
    "td,th{border:1px solid #ddd;padding:3px 10px;text-align:right}th{background:#f0f0f0}"
    "td:first-child,th:first-child{text-align:left}td:first-child{font-weight:600}"
    "table.attempts td:last-child,table.attempts th:last-child{text-align:left}"
    "table.attempts td:last-child{color:#a31515}"
    "tr.outcome-success td:nth-child(2){color:#1a7f37}"
    "p.note{color:#555;font-size:14px}p.warning{color:#a31515}ul.leaves-out{color:#555;font-size:14px}";

}  // namespace

std::string render_run_report(const std::string& run_dir) {
  const RunRecord run = report::read_run_record(run_dir);
  const Charts charts = step_charts(run);
  std::ostringstream html;
  const std::string run_name = fs::path(run_dir).lexically_normal().filename().string();
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>zlaunch run report: "
       << escape_xml(run_name) << "</title><style>" << kPageStyle << chart_stylesheet() << "</style></head><body>\n"
       << "<h1>zlaunch run report: " << escape_xml(run_name) << "</h1>\n<p class=\"run\">Run directory <code>"
       << escape_xml(run_dir) << "</code>: " << run.ranks.size() << " rank log(s), " << run.ranks.front().steps.size()
       << " step records from " << rank_label(run) << ".</p>\n"
       << report::render_summary(run) << "<section class=\"steps\"><h2>Over optimizer steps</h2><div class=\"charts\">";
  for (const auto& figure : charts.figures) html << figure << '\n';
  html << "</div>";
  if (!charts.left_out.empty()) {
    html << "<p class=\"note\">Not in the step logs, so not drawn:";
    for (std::size_t i = 0; i < charts.left_out.size(); ++i) {
      html << (i == 0 ? " " : "; ") << escape_xml(charts.left_out[i]);
    }
    html << ".</p>";
  }
  html << "</section>\n" << report::render_memory_section(run) << "</body></html>\n";
  return html.str();
}

std::string write_run_report(const std::string& run_dir, const std::string& out_path) {
  const std::string path = out_path.empty() ? (fs::path(run_dir) / "report.html").string() : out_path;
  const std::string html = render_run_report(run_dir);
  std::ofstream out(path);
  out << html;
  if (!out) throw UsageError("zlaunch report: cannot write " + path);
  return path;
}

}  // namespace zl::metrics
