// `zlaunch report RUN_DIR`: one self-contained HTML page (inline SVG, no scripts) for people without
// Grafana, from what a run logged:
//   <run_dir>/steps/rank_<K>.jsonl   one JSON object per optimizer step, written by each rank:
//       {"step": 1, "loss": 2.3, "tokens": 4096, "seconds": 0.05,
//        "memory": {"params": bytes, "grads": ..., ...},
//        "comm": {"all_reduce": {"calls": n, "bytes": n, "seconds": s}, ...}}   (comm: running totals)
//   <run_dir>/memory_estimate.json   optional: {"params": bytes, ...} per rank, from estimate-memory
// Plots: loss, tokens/s and step time per rank, memory by kind per rank against the estimate, and
// communication seconds per collective.
#pragma once

#include <string>

namespace zl::metrics {

// Throws zl::UsageError when run_dir has no step logs, zl::ConfigError naming file:line for a
// malformed line.
std::string render_run_report(const std::string& run_dir);

// Writes the page to out_path (default <run_dir>/report.html when empty) and returns the path.
std::string write_run_report(const std::string& run_dir, const std::string& out_path);

}  // namespace zl::metrics
