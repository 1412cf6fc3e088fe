// Before `train` allocates its model: does the run fit in this machine's memory? The estimate for what
// is trained (zl/config/memory_estimate.h: model states, buffers and activations per rank, exact for
// the CPU) times this machine's ranks, against the memory the kernel says is available to this process
// (MemAvailable, or less under a memory cgroup's limit); on cuda also the rank's share against its GPU's
// free memory (the offloaded states stay on the host). An absurd model
// is refused at once with both numbers and the ZeRO stage that would fit, instead of allocating until
// the kernel kills it.
#pragma once

#include "training_run.h"

namespace zl::train {

// Throws zl::ConfigError naming the model, the stage, the bytes needed per rank and on this machine,
// the bytes available and how they were measured, and the lowest stage that fits (or that none does).
// `context`: the tokens per sequence trained. On cuda, after the rank's GPU is current.
void check_memory_fits(const TrainSetup& s, int context);

}  // namespace zl::train
