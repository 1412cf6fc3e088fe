// The OPENBLAS_CORETYPE advice for the ranks (DESIGN.md §3; the rule is zl/kernels/blas_core.h), asked
// of zlaunch-blas-probe: a sibling executable linked with OpenBLAS the way the ranks are, so that it
// answers for the library they load, while the launcher itself never loads OpenBLAS (whose start-up
// spawns a thread per core and maps tens of MiB in a process that computes nothing).
#pragma once

#include <string>

namespace zl::launcher {

struct BlasAdvice {
  std::string core;      // OpenBLAS's own choice in a rank-like process, e.g. "Prescott"; "" when not asked
  std::string coretype;  // OPENBLAS_CORETYPE for the ranks; "" = leave OpenBLAS's choice
};

// Runs the probe (a few milliseconds) and returns its answer. Asks nothing when the user set
// OPENBLAS_CORETYPE: the advice never overrides it. A missing or failing probe costs only the advice:
// a warning on stderr names it and the path looked at, and both fields are "". Call from the thread
// that runs the launch, before the supervisor starts (the probe is a child this call waits for).
BlasAdvice ask_blas_advice();

}  // namespace zl::launcher
