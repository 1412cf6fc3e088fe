// The run of the `train` program, alone or as one rank of many: always through the ZeRO engine
// (zl/engine/engine.h) at the config's zero_optimization.stage over the communicator of this world (a
// process no launcher started is a world of one), so every feature (stages, mixed precision, the GPU,
// checkpoints, metrics, evaluation, sampling) works the same either way. The global batch and its order
// are those of a single process. Every rank calls it; rank 0 prints and writes --dump_batches. Every
// rank records its telemetry (engine::RunTelemetry): /metrics, its step log under `zlaunch run`, and
// its --log_json file (FILE on rank 0, FILE.rank<R> on rank R).
#pragma once

#include "train_options.h"

namespace zl::train {

// Trains (or with --eval_only evaluates) what the setup asks and prints the results. Returns the exit code.
int run_training(const TrainSetup& setup);

}  // namespace zl::train
