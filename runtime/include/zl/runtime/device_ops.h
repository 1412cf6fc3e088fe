// The kernel table of a device (zl/kernels/ops.h): what device-agnostic runtime code calls, picked
// from its tensors' device, so that one forward, backward and optimizer serve the CPU and the GPU.
#pragma once

#include "zl/kernels/ops.h"
#include "zl/runtime/dtype.h"

namespace zl::runtime {

// Device::kCuda in a build without CUDA throws zl::UnavailableError (configure with ZL_CUDA=ON).
[[nodiscard]] const kernels::Ops& ops_for(Device device);

}  // namespace zl::runtime
