// The report's first block (report_parts.h, render_summary): what a person asks of a run before any
// chart - how it was configured, how it ended, how fast, what went wrong - then the attempts table and
// the notes on inputs that were missing. Every value is a <dd id="summary-KEY"> so tests can read it.
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "report_parts.h"

namespace zl::metrics::report {
namespace {

std::string fixed(double v, int digits) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string unknown(const std::string& why) {
  return "<span class=\"unknown\">unknown (" + escape_xml(why) + ")</span>";
}

const StepRecord* last_step_with_loss(const RankSteps& rank) {
  for (auto it = rank.steps.rbegin(); it != rank.steps.rend(); ++it) {
    if (std::isfinite(it->loss)) return &*it;
  }
  return nullptr;
}

std::string config_files(const RunRecord& run) {
  if (!run.config) return unknown("config.resolved.json absent");
  if (run.config->files_used.empty()) return "none (defaults, flags and environment only)";
  std::string out;
  for (const auto& f : run.config->files_used)
    out += (out.empty() ? "" : ", ") + ("<code>" + escape_xml(f) + "</code>");
  return out;
}

std::string zero_stage(const RunRecord& run) {
  if (run.config && run.config->zero_stage >= 0) return std::to_string(run.config->zero_stage);
  const auto& steps = run.ranks.front().steps;
  if (!steps.empty() && steps.back().zero_stage >= 0) return std::to_string(steps.back().zero_stage);
  return unknown("neither config.resolved.json nor the step logs say");
}

std::string world_size(const RunRecord& run) {
  int size = run.config ? run.config->world_size : 0;
  const auto& steps = run.ranks.front().steps;
  if (size == 0 && !steps.empty()) size = steps.back().world_size;
  const std::string logs = std::to_string(run.ranks.size()) + " rank log" + (run.ranks.size() == 1 ? "" : "s");
  if (size == 0) return std::to_string(run.ranks.size()) + " (counted from the " + logs + ")";
  if (static_cast<std::size_t>(size) != run.ranks.size()) return std::to_string(size) + " (but " + logs + ")";
  return std::to_string(size);
}

std::string precision(const RunRecord& run) {
  if (!run.config || run.config->precision.empty()) return unknown("config.resolved.json absent");
  if (run.config->precision == "no") return "fp32 (mixed_precision: no)";
  return escape_xml(run.config->precision) + " mixed precision";
}

std::string training_loss(const RunRecord& run) {
  const StepRecord* last = last_step_with_loss(run.ranks.front());
  if (last == nullptr) return unknown("no loss in the step logs");
  return fixed(last->loss, 4) + " <span class=\"detail\">(rank " + std::to_string(run.ranks.front().rank) + ", step " +
         std::to_string(last->step) + ", attempt " + std::to_string(last->attempt) + ")</span>";
}

std::string validation_loss(const RunRecord& run) {
  if (run.console.final_validation_loss) return fixed(*run.console.final_validation_loss, 4);
  if (run.console.files.empty()) return unknown("no attempt_N/rank_0.out");
  return unknown("rank 0 printed no final validation loss");
}

std::string task_score(const RunRecord& run) {
  if (!run.console.task_score.empty()) return escape_xml(run.console.task_score);
  return unknown("rank 0 printed no task score");
}

// Attempts' wall time from the launcher; without attempts.jsonl, the sum of rank 0's step times.
double wall_seconds(const RunRecord& run, bool& from_attempts) {
  double sum = 0;
  from_attempts = false;
  for (const auto& a : run.attempts) {
    if (std::isfinite(a.seconds)) sum += a.seconds, from_attempts = true;
  }
  if (from_attempts) return sum;
  for (const auto& s : run.ranks.front().steps) {
    if (std::isfinite(s.seconds)) sum += s.seconds;
  }
  return sum;
}

std::string wall_time(const RunRecord& run) {
  bool from_attempts = false;
  const double seconds = wall_seconds(run, from_attempts);
  return format_duration(seconds) + (from_attempts
                                         ? " <span class=\"detail\">(all attempts, from attempts.jsonl)</span>"
                                         : " <span class=\"detail\">(sum of rank 0's step times; "
                                           "attempts.jsonl absent)</span>");
}

// Global tokens over the time spent in steps (rank 0's log: every rank steps in lockstep), and the
// final tokens_total over the wall time when both are known: the gap between them is start-up,
// evaluation, checkpoints and restarts.
std::string tokens_per_second(const RunRecord& run) {
  double tokens = 0, seconds = 0;
  for (const auto& s : run.ranks.front().steps) {
    if (std::isfinite(s.tokens) && std::isfinite(s.seconds)) tokens += s.tokens, seconds += s.seconds;
  }
  if (seconds <= 0) return unknown("no tokens or step times in the step logs");
  std::string out = format_si(tokens / seconds) + " <span class=\"detail\">(global tokens per second of step time)";
  bool from_attempts = false;
  const double wall = wall_seconds(run, from_attempts);
  const auto& steps = run.ranks.front().steps;
  if (from_attempts && wall > 0 && !steps.empty() && std::isfinite(steps.back().tokens_total)) {
    out += "; " + format_si(steps.back().tokens_total / wall) + " over the wall time";
  }
  return out + "</span>";
}

std::string attempt_failure(const AttemptRecord& a) {
  std::string out = "attempt " + std::to_string(a.attempt) + " " + escape_xml(a.outcome.empty() ? "ended" : a.outcome);
  if (a.exit_code) out += " (exit " + std::to_string(*a.exit_code) + ")";
  out += ": <span class=\"root-cause\">" + escape_xml(a.root_cause.empty() ? "no root cause recorded" : a.root_cause) +
         "</span>";
  return out;
}

std::string restarts(const RunRecord& run) {
  const int restarts = last_attempt(run);
  std::string out = std::to_string(restarts);
  if (!run.has_attempts_file) return out + " <span class=\"detail\">(from the step logs' attempt numbers)</span>";
  std::string failures;
  for (const auto& a : run.attempts) {
    if (a.outcome != "success") failures += "<li>" + attempt_failure(a) + "</li>";
  }
  if (!failures.empty()) out += "<ul class=\"failures\">" + failures + "</ul>";
  return out;
}

std::string skipped_steps(const RunRecord& run) {
  std::map<std::string, int> by_reason;
  int total = 0;
  for (const auto& s : run.ranks.front().steps) {
    if (s.skipped) ++total, ++by_reason[s.skipped_reason.empty() ? "no reason logged" : s.skipped_reason];
  }
  std::string out = std::to_string(total);
  if (total == 0) return out;
  std::string reasons;
  for (const auto& [reason, count] : by_reason) {
    reasons += (reasons.empty() ? "" : ", ") + escape_xml(reason) + " " + std::to_string(count);
  }
  return out + " <span class=\"detail\">(" + reasons + ")</span>";
}

std::string attempts_table(const RunRecord& run) {
  if (run.attempts.empty()) return "";
  std::ostringstream t;
  t << "<table class=\"attempts\"><caption>Attempts (attempts.jsonl; steps from rank " << run.ranks.front().rank
    << "'s log)</caption><tr><th>attempt</th><th>outcome</th><th>exit code</th><th>wall time</th><th>steps</th>"
    << "<th>root cause</th></tr>";
  for (const auto& a : run.attempts) {
    std::int64_t first = 0, last = 0;
    for (const auto& s : run.ranks.front().steps) {
      if (s.attempt != a.attempt) continue;
      if (first == 0) first = s.step;
      last = s.step;
    }
    t << "<tr class=\"outcome-" << escape_xml(a.outcome) << "\"><td>" << a.attempt << "</td><td>"
      << escape_xml(a.outcome) << "</td><td>" << (a.exit_code ? std::to_string(*a.exit_code) : "") << "</td><td>"
      << format_duration(a.seconds) << "</td><td>"
      << (first == 0 ? "none logged" : std::to_string(first) + "\u2013" + std::to_string(last)) << "</td><td>"
      << escape_xml(a.root_cause) << "</td></tr>";
  }
  t << "</table>";
  return t.str();
}

std::string model(const RunRecord& run) {
  if (!run.config || run.config->model.empty()) return unknown("config.resolved.json absent");
  if (run.config->device.empty()) return escape_xml(run.config->model);
  return escape_xml(run.config->model) + " <span class=\"detail\">on " + escape_xml(run.config->device) + "</span>";
}

}  // namespace

std::string render_summary(const RunRecord& run) {
  struct Item {
    const char* key;
    const char* label;
    std::string value;
  };
  const Item items[] = {
      {"config-files", "config files", config_files(run)},
      {"zero-stage", "ZeRO stage", zero_stage(run)},
      {"world-size", "world size", world_size(run)},
      {"precision", "precision", precision(run)},
      {"model", "model", model(run)},
      {"train-loss", "final training loss", training_loss(run)},
      {"validation-loss", "validation loss", validation_loss(run)},
      {"task-score", "task score", task_score(run)},
      {"wall-time", "wall time", wall_time(run)},
      {"tokens-per-second", "tokens/s", tokens_per_second(run)},
      {"restarts", "restarts", restarts(run)},
      {"skipped-steps", "skipped steps", skipped_steps(run)},
  };
  std::ostringstream html;
  html << "<section class=\"summary\"><h2>Summary</h2><dl class=\"summary\">";
  for (const auto& item : items) {
    html << "<dt>" << item.label << "</dt><dd id=\"summary-" << item.key << "\">" << item.value << "</dd>";
  }
  html << "</dl>" << attempts_table(run);
  if (!run.notes.empty()) {
    html << "<ul class=\"notes\">";
    for (const auto& note : run.notes) html << "<li>" << escape_xml(note) << "</li>";
    html << "</ul>";
  }
  html << "</section>\n";
  return html.str();
}

}  // namespace zl::metrics::report
