// Device check of `train` (device_choice.h).
#include "device_choice.h"

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

}  // namespace zl::train
