// The training run of the `train` program: model, parameters, optimizer, schedule and data for one
// process; the loop (accumulation, clipping, logging), validation, the task score and sampling.
//
// With WORLD_SIZE > 1 and no ZeRO engine in this build, every rank trains an independent replica on its
// own slice of each global batch (batch_sampler.h) and says so; nothing is exchanged between ranks.
#pragma once

#include "train_options.h"

namespace zl::train {

// Runs what the setup asks (training, or --eval_only) and prints the results. Returns the exit code.
int run_training(const TrainSetup& setup);

}  // namespace zl::train
