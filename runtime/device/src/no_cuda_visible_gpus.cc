// The GPU count and the no-GPU message of builds without CUDA (visible_gpus.h): no GPU, and the
// driver is never asked, since nothing in this build could use one.
#include "zl/device/visible_gpus.h"

namespace zl::device {

VisibleGpus query_visible_gpus() {
  return {0, "this build has no CUDA support (configured with ZL_CUDA=OFF or without nvcc)"};
}

int visible_gpu_count() { return 0; }

std::string no_gpu_message(const std::string& /*no_gpu_reason*/) {
  return "device: cuda was requested but this zlaunch was built without CUDA. Rebuild with -DZL_CUDA=ON on a "
         "machine with the CUDA toolkit (see docs/gpu.md), or set device: cpu.";
}

}  // namespace zl::device
