// The root-cause-first failure report printed when an attempt fails (DESIGN.md §3): the rank that
// failed first (rank, local rank, node, host, pid, exit code or signal name), its error file (message
// and backtrace, written by zl::rank::install_error_handler), the last lines of its stderr, then one
// line per other rank. Under mpirun/srun the root cause may be a whole node instead (NodeFailure: its
// ranks never started, or srun lost it), named with its host and ranks.
#pragma once

#include <string>

#include "zl/launcher/launch_plan.h"
#include "zl/launcher/supervisor.h"

namespace zl::launcher {

std::string format_failure_report(const LaunchPlan& plan, int attempt, const AttemptOutcome& outcome);

// The report's root cause in one line, e.g. "rank 1 (node 0, host h) exited with code 3: message of
// its error file"; "" for a successful attempt. For attempts.jsonl and `zlaunch report`.
std::string root_cause_summary(const LaunchPlan& plan, const AttemptOutcome& outcome);

}  // namespace zl::launcher
