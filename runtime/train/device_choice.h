// The device `train` computes on (config key `device`). One rule for the single-process and the
// distributed paths: device: cuda without a usable GPU fails at once, before any rendezvous or
// allocation, with an exit-2 error that says why; with one, the ZeRO engine computes on this rank's GPU
// (under zlaunch run, with NCCL). Standalone train (no launcher) and --eval_only compute on the CPU.
#pragma once

#include "zl/config/resolved_config.h"
#include "zl/runtime/dtype.h"

namespace zl::train {

// The runtime device for `device`. `engine_path`: the run goes through the ZeRO engine under a
// launcher. Throws zl::UnavailableError naming the `device` key and what to change when device: cuda
// cannot be used here or on this path.
runtime::Device require_supported_device(config::DeviceKind device, bool engine_path);

}  // namespace zl::train
