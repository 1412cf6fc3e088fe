// The Prometheus file_sd targets file (DESIGN.md §5): one entry per live rank and one for the launcher
// of this machine,
//   [{"targets": ["host:port"], "labels": {"job": "zlaunch", "run_id": R, "node": "N", "rank": "K"}},
//    {"targets": ["host:port"], "labels": {"job": "zlaunch", "run_id": R, "node": "N", "role": "launcher"}}]
// written to <run_dir>/targets.json (and metrics.targets_file when set) atomically (temporary file +
// rename), so Prometheus never reads half a file. The launcher rewrites it whenever ranks start or end,
// and without its own entry when it exits.
#pragma once

#include <string>
#include <vector>

namespace zl::launcher {

struct LaunchPlan;

struct MetricsTarget {
  std::string host;
  int port = 0;
  int node = 0;
  int rank = 0;
  bool launcher = false;  // the launcher's endpoint: labelled role="launcher" instead of rank
};

void write_targets_file(const std::string& path, const std::string& run_id, const std::vector<MetricsTarget>& targets);

// The host Prometheus should scrape: the bind address, or this machine's hostname for a wildcard bind.
std::string metrics_target_host(const std::string& bind_address, const std::string& hostname);

// Writes `ranks` plus, while plan.launcher_metrics_port is set, this launcher's own target to
// <run_dir>/targets.json and to metrics.targets_file when set. Nothing when metrics are off.
void write_run_targets(const LaunchPlan& plan, std::vector<MetricsTarget> ranks);

}  // namespace zl::launcher
