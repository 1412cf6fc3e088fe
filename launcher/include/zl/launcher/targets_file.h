// The Prometheus file_sd targets files (DESIGN.md §5): one entry per live rank that reported where it
// serves /metrics, and one for the launcher of this machine,
//   [{"targets": ["host:port"], "labels": {"job": "zlaunch", "run_id": R, "node": "N", "rank": "K"}},
//    {"targets": ["host:port"], "labels": {"job": "zlaunch", "run_id": R, "node": "N", "role": "launcher"}}]
// A rank's address comes only from its own report through the store (zl/rank/metrics_address.h), and
// its rank and node from the launcher's plan: a run never lists an address it does not own.
// Written atomically (temporary file + rename), so Prometheus never reads half a file, to:
//   <run_dir>/targets.json                the run's record;
//   <log_dir>/targets/<run_id>.json       every run's targets in one directory (one file_sd glob);
//   metrics.targets_file                  when set (--metrics_targets_file).
// The launcher rewrites them whenever a rank reports, starts or ends; when it exits, the run's files
// are left empty ([]) and its file in the shared directory is removed.
#pragma once

#include <string>
#include <vector>

namespace zl::launcher {

struct LaunchPlan;

struct MetricsTarget {
  std::string address;  // "host:port", as the process reported it
  int node = 0;
  int rank = 0;
  bool launcher = false;  // the launcher's endpoint: labelled role="launcher" instead of rank
};

void write_targets_file(const std::string& path, const std::string& run_id, const std::vector<MetricsTarget>& targets);

// Writes `ranks` plus, while plan.launcher_metrics_address is set, this launcher's own target to every
// targets file of the run. Nothing when metrics are off.
void write_run_targets(const LaunchPlan& plan, std::vector<MetricsTarget> ranks);

// At the launcher's exit: the run's files become [] and its file in <log_dir>/targets/ goes.
void clear_run_targets(const LaunchPlan& plan);

}  // namespace zl::launcher
