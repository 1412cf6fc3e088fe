// <run_dir>/attempts.jsonl: one JSON object per attempt of the run, appended when the attempt ends, so
// `zlaunch report` can mark restarts and name each failure's root cause without parsing console logs:
//   {"attempt": N, "node": M, "outcome": "success" | "failed" | "hung" | "interrupted" | "peer_failed",
//    "exit_code": E, "root_cause": "one line (failure_report.h)" | null, "seconds": wall seconds}
// Several machines sharing a log dir append to one file: each line is one write(2) to an O_APPEND file.
#pragma once

#include <string>

#include "zl/launcher/launch_plan.h"
#include "zl/launcher/supervisor.h"

namespace zl::launcher {

const char* to_string(AttemptOutcome::Kind kind);

// Appends the attempt's line. A file that cannot be written is a warning on stderr: the record is for
// people, the run's result does not depend on it.
void append_attempt_record(const LaunchPlan& plan, int attempt, const AttemptOutcome& outcome, double seconds);

}  // namespace zl::launcher
