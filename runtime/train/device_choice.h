// The device `train` computes on (config key `device`). One rule for the single-process and the
// distributed paths: device: cuda fails at once, before any rendezvous or allocation, with an exit-2
// error that says whether a GPU is visible at all.
#pragma once

#include "zl/config/resolved_config.h"

namespace zl::train {

// Returns when the runtime can train on `device` here; otherwise throws zl::UnavailableError naming
// the `device` key and what to change.
void require_supported_device(config::DeviceKind device);

}  // namespace zl::train
