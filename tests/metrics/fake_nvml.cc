// A stand-in for libnvidia-ml.so.1 with the five entry points NvmlGpuMemory resolves, so the NVML
// path is tested exactly on machines without a GPU. Two devices:
//   device 0: the calling process (getpid()) with 1 MiB, and pid 4242 whose usage is unknown;
//   device 1: the calling process with 2 MiB, then 70 processes (pids 1000..1069, 4096 bytes each),
//             more than a 64-entry buffer holds, so the caller must retry with a larger one.
// Built twice more: ZL_FAKE_NVML_INIT_FAILS (nvmlInit_v2 answers NVML_ERROR_DRIVER_NOT_LOADED) and
// ZL_FAKE_NVML_OLD_DRIVER (no nvmlDeviceGetComputeRunningProcesses_v2/_v3).
#include <unistd.h>

#include <vector>

namespace {

struct ProcessInfo {  // nvmlProcessInfo_t
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

constexpr int kSuccess = 0;
constexpr int kInvalidArgument = 2;
// Unused in some of the three builds.
[[maybe_unused]] constexpr int kInsufficientSize = 7;
[[maybe_unused]] constexpr int kDriverNotLoaded = 9;

// The device handles: addresses of these two objects.
int devices[2];

[[maybe_unused]] std::vector<ProcessInfo> processes_of(long device) {
  const auto self = static_cast<unsigned int>(::getpid());
  std::vector<ProcessInfo> list;
  if (device == 0) {
    list.push_back({self, 1ULL << 20, 0xFFFFFFFFu, 0xFFFFFFFFu});
    list.push_back({4242, ~0ULL, 0xFFFFFFFFu, 0xFFFFFFFFu});  // NVML_VALUE_NOT_AVAILABLE
  } else {
    list.push_back({self, 2ULL << 20, 0xFFFFFFFFu, 0xFFFFFFFFu});
    for (unsigned int k = 0; k < 70; ++k) list.push_back({1000 + k, 4096, 0xFFFFFFFFu, 0xFFFFFFFFu});
  }
  return list;
}

}  // namespace

extern "C" {

int nvmlInit_v2() {
#ifdef ZL_FAKE_NVML_INIT_FAILS
  return kDriverNotLoaded;
#else
  return kSuccess;
#endif
}

int nvmlShutdown() { return kSuccess; }

int nvmlDeviceGetCount_v2(unsigned int* count) {
  *count = 2;
  return kSuccess;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** device) {
  if (index >= 2) return kInvalidArgument;
  *device = &devices[index];
  return kSuccess;
}

#ifndef ZL_FAKE_NVML_OLD_DRIVER
int nvmlDeviceGetComputeRunningProcesses_v3(void* device, unsigned int* count, ProcessInfo* infos) {
  const auto list = processes_of(static_cast<int*>(device) - devices);
  const unsigned int capacity = *count;
  *count = static_cast<unsigned int>(list.size());
  if (capacity < list.size()) return kInsufficientSize;
  for (std::size_t k = 0; k < list.size(); ++k) infos[k] = list[k];
  return kSuccess;
}
#endif

}  // extern "C"
