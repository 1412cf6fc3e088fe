// Device check of `train` (device_choice.h).
#include "device_choice.h"

#include <cstdlib>
#include <string>

#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"

namespace zl::train {

runtime::Device require_supported_device(config::DeviceKind device, bool engine_path) {
  if (device != config::DeviceKind::kCuda) return runtime::Device::kCpu;
  device::require_cuda_device();  // no GPU visible, or no CUDA in this build: says so, exit 2
  if (!engine_path) {
    throw UnavailableError(
        "device: cuda: standalone train and --eval_only compute on the CPU; run training on the GPU under the "
        "launcher (zlaunch run -n <GPUs> train ...), or set device: cpu");
  }
  return runtime::Device::kCuda;
}

int local_device_index() {
  for (const char* name : {"ZLAUNCH_LOCAL_DEVICE", "LOCAL_RANK"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return std::atoi(value);
  }
  return 0;
}

}  // namespace zl::train
