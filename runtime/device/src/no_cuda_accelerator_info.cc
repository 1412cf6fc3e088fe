// Accelerator report for builds without CUDA (ZL_CUDA=OFF or no nvcc at build time).
#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"

namespace zl::device {

AcceleratorInfo query_accelerators() {
  AcceleratorInfo info;
  info.no_gpu_reason = query_visible_gpus().no_gpu_reason;
  return info;
}

void require_cuda_device() { throw UnavailableError(no_gpu_message(query_visible_gpus().no_gpu_reason)); }

void use_cuda_device(int /*index*/) { require_cuda_device(); }

std::optional<DeviceMemory> current_device_memory() { return std::nullopt; }

}  // namespace zl::device
