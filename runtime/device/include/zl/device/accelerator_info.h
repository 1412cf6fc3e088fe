// What this process can see of CUDA: toolkit and driver versions, GPUs, NCCL and cuBLAS versions.
// Safe on machines without a GPU or driver: failures become explanations in `no_gpu_reason`, never
// exceptions, because `zlaunch env` must always produce its report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zl/device/visible_gpus.h"  // visible_gpu_count(), counted without linking CUDA

namespace zl::device {

struct GpuInfo {
  int index = 0;
  std::string name;
  int compute_capability_major = 0;
  int compute_capability_minor = 0;
  unsigned long long memory_bytes = 0;
};

struct AcceleratorInfo {
  bool cuda_compiled = false;        // this build has kernels/cuda and the NCCL backend
  std::string cuda_runtime_version;  // e.g. "13.0" (the cudart linked in)
  std::string cuda_driver_version;   // "" when no driver is installed
  std::string nccl_version;          // e.g. "2.28.9"
  std::string cublas_version;        // e.g. "13.1.0"
  std::vector<GpuInfo> gpus;
  std::string no_gpu_reason;  // why gpus is empty, in words
};

AcceleratorInfo query_accelerators();

// Throws zl::UnavailableError (exit 2) with no_gpu_message() when device: cuda cannot be used here:
// not compiled in, or no GPU visible to the CUDA runtime. Called by the runtime before touching CUDA.
void require_cuda_device();

// Makes GPU `index` (among the visible ones) the calling thread's current CUDA device, after
// require_cuda_device(). Throws zl::UnavailableError naming the index and the visible count when there
// is no such GPU. The current device is per thread: every thread that launches work calls it.
void use_cuda_device(int index);

struct DeviceMemory {
  std::uint64_t free_bytes = 0;
  std::uint64_t total_bytes = 0;
};

// The calling thread's current GPU's free and total memory (cudaMemGetInfo, after use_cuda_device());
// nullopt in a build without CUDA or when CUDA cannot say.
std::optional<DeviceMemory> current_device_memory();

}  // namespace zl::device
