// The device `train` computes on (config key `device`): device: cuda without a usable GPU fails at once,
// before any rendezvous or allocation, with an exit-2 error that says why; with one, the ZeRO engine
// computes on this rank's GPU (RankContext::local_device).
#pragma once

#include "zl/config/resolved_config.h"
#include "zl/runtime/dtype.h"

namespace zl::train {

// Throws zl::UnavailableError naming the `device` key and what to change when device: cuda cannot be
// used here.
runtime::Device require_supported_device(config::DeviceKind device);

}  // namespace zl::train
