// Device check of `train` (device_choice.h).
#include "device_choice.h"

#include "zl/device/accelerator_info.h"

namespace zl::train {

runtime::Device require_supported_device(config::DeviceKind device) {
  if (device != config::DeviceKind::kCuda) return runtime::Device::kCpu;
  device::require_cuda_device();  // no GPU visible, or no CUDA in this build: says so, exit 2
  return runtime::Device::kCuda;
}

}  // namespace zl::train
