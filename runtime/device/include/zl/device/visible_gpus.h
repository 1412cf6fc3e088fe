// How many GPUs this process can see, asked of the CUDA driver (libcuda.so.1, opened with dlopen), so
// that a program can count GPUs without linking any CUDA library and loads the driver only when it
// asks: the launcher counts them only when the device choice needs it (device: cuda or auto). The
// driver applies CUDA_VISIBLE_DEVICES at the first cuInit of the process, exactly as for the ranks that
// inherit the variable. A build without CUDA counts none and loads nothing, whatever the machine has,
// because none of its programs could use a GPU. zlaunch::visible_gpus links base and libdl only.
#pragma once

#include <string>

namespace zl::device {

struct VisibleGpus {
  int count = 0;
  std::string no_gpu_reason;  // why count is 0, in words; "" when count > 0
};

// This build's answer: count_gpus_with_driver() with CUDA, none (the build says why) without.
VisibleGpus query_visible_gpus();

// query_visible_gpus().count: the counter each program installs for configtool's device "auto"
// (zl/config/visible_gpus.h).
int visible_gpu_count();

// What the CUDA driver reports, whatever this build's flavour: no driver library, a failing cuInit or
// cuDeviceGetCount, or 0 devices is a count of 0 with the reason, never an exception. The driver, once
// loaded, stays loaded: it must not be unloaded after cuInit. Thread-safe.
VisibleGpus count_gpus_with_driver();

// The UnavailableError message for device: cuda where no GPU can be used, given no_gpu_reason: the
// one text the launcher (before any rank starts) and the runtime (require_cuda_device) both give, so
// they say the same thing. It names the fix (device: cpu). Without CUDA it says the build lacks it.
std::string no_gpu_message(const std::string& no_gpu_reason);

}  // namespace zl::device
