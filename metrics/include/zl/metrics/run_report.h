// `zlaunch report RUN_DIR`: one self-contained HTML page (inline SVG, no scripts) for people without
// Grafana: a summary of the run first, then charts over optimizer steps, then memory. It reads:
//   steps/rank_<K>.jsonl    required: one JSON object per optimizer step per rank, appended across
//       attempts: {"step": 1, "attempt": 0, "loss", "lr", "grad_norm", "tokens" (global batch),
//        "rank_tokens", "tokens_total", "seconds", "loss_scale", "skipped", "skipped_reason",
//        "world_size", "zero_stage", "memory": {kind: bytes}, "memory_peak": {kind: bytes},
//        "comm": {collective: {"calls", "bytes", "seconds"}}, "comm_exposed_seconds"}  (comm: running
//        totals within the attempt). Older logs without attempt, rank_tokens or memory_peak still render
//        (attempt 0; "tokens" then was the rank's), with a note for each chart left out.
//   config.resolved.json    optional: files used, ZeRO stage, world size, precision, model.
//   memory_estimate.json    optional: {"model", "parameters", "zero_stage", "world_size", "precision",
//       "per_rank_bytes": {kind: bytes, "total"}, "exact": [kinds], "leaves_out": [texts]}.
//   attempts.jsonl          optional, from the launcher: {"attempt", "outcome", "exit_code",
//       "root_cause", "seconds"} per attempt.
//   attempt_<N>/rank_0.out  optional: rank 0's stdout, for the validation loss and task score that
//       `train` prints (the line formats are in metrics/src/train_console.cc).
// A missing optional input is named on the page; the summary then says "unknown (why)".
#pragma once

#include <string>

namespace zl::metrics {

// Throws zl::UsageError when run_dir has no step logs, zl::ConfigError naming file:line for a
// malformed step line.
std::string render_run_report(const std::string& run_dir);

// Writes the page to out_path (default <run_dir>/report.html when empty) and returns the path.
std::string write_run_report(const std::string& run_dir, const std::string& out_path);

}  // namespace zl::metrics
