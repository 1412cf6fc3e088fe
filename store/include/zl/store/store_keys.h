// The key layout of a run in the rendezvous store (DESIGN.md §3): what the launcher and its ranks agree
// on. Keys of restart attempt N live under "attempt/N/", so a restarted group never reads a previous
// attempt's values.
#pragma once

#include <string>

namespace zl::store {

// "attempt/<N>/"
std::string attempt_prefix(int attempt);

// "attempt/<N>/progress/<rank>": the rank's progress report (zl/rank/progress_reporter.h), read by
// the launcher's hang detection.
std::string progress_key(int attempt, int rank);

// "attempt/<N>/started/<rank>": {"host": ..., "pid": ...}, set by a rank of the runtime as it joins the
// collective rendezvous (zl/rank/start_announcement.h). Under mpirun/srun the launcher learns from these
// which ranks started: a rank still missing after --rdzv_timeout, while others announced, never started.
std::string started_key(int attempt, int rank);

// "attempt/<N>/metrics/<rank>": "host:port" where the rank serves /metrics (zl/rank/metrics_address.h),
// read by the launcher, which writes the Prometheus targets file from these reports only.
std::string metrics_address_key(int attempt, int rank);

}  // namespace zl::store
