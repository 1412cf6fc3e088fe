// The GPU count and the no-GPU message of builds with CUDA (visible_gpus.h): the driver's answer.
#include "zl/device/visible_gpus.h"

namespace zl::device {

VisibleGpus query_visible_gpus() { return count_gpus_with_driver(); }

int visible_gpu_count() { return query_visible_gpus().count; }

std::string no_gpu_message(const std::string& no_gpu_reason) {
  return "device: cuda was requested but no GPU is visible to this process (" + no_gpu_reason +
         "). Run on a machine with an NVIDIA GPU and driver, check CUDA_VISIBLE_DEVICES, or set device: cpu.";
}

}  // namespace zl::device
