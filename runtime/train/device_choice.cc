// Device check of `train` (device_choice.h).
#include "device_choice.h"

#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"

namespace zl::train {

void require_supported_device(config::DeviceKind device) {
  if (device != config::DeviceKind::kCuda) return;
  device::require_cuda_device();  // no GPU visible: says so, exit 2
  throw UnavailableError(
      "device: cuda: a GPU is visible, but train's model runs on the CPU kernels in this build (the CUDA kernels "
      "are built and tested as a library, zlaunch::kernels_cuda); set device: cpu");
}

}  // namespace zl::train
