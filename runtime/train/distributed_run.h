// The `train` program under the launcher (WORLD_SIZE > 1): data-parallel training with the ZeRO engine
// (zl/engine/engine.h) at the config's zero_optimization.stage over the communicator the launcher's
// environment describes, with per-step telemetry (Prometheus metrics when enabled, the step log under
// <log_dir>/<run_id>/steps/). The global batch and its order are those of a single process.
#pragma once

#include "train_options.h"

namespace zl::train {

// Every rank calls it; rank 0 prints the progress and the results. Returns the exit code.
int run_distributed(const TrainSetup& setup);

}  // namespace zl::train
