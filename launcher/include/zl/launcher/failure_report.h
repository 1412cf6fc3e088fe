// The root-cause-first failure report printed when an attempt fails (DESIGN.md §3): the rank that
// failed first (rank, local rank, node, host, pid, exit code or signal name), its error file (message
// and backtrace, written by zl::rank::install_error_handler), the last lines of its stderr, then one
// line per other rank.
#pragma once

#include <string>

#include "zl/launcher/launch_plan.h"
#include "zl/launcher/supervisor.h"

namespace zl::launcher {

std::string format_failure_report(const LaunchPlan& plan, int attempt, const AttemptOutcome& outcome);

}  // namespace zl::launcher
