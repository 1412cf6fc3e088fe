// Accelerator report for builds without CUDA (ZL_CUDA=OFF or no nvcc at build time).
#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"

namespace zl::device {

AcceleratorInfo query_accelerators() {
  AcceleratorInfo info;
  info.no_gpu_reason = "this build has no CUDA support (configured with ZL_CUDA=OFF or without nvcc)";
  return info;
}

void require_cuda_device() {
  throw UnavailableError(
      "device: cuda was requested but this zlaunch was built without CUDA. Rebuild with -DZL_CUDA=ON on a "
      "machine with the CUDA toolkit (see docs/gpu.md), or set device: cpu.");
}

void use_cuda_device(int /*index*/) { require_cuda_device(); }

}  // namespace zl::device
