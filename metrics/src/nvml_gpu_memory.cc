// NvmlGpuMemory (nvml_gpu_memory.h): the five NVML entry points it needs, declared here with the
// types of NVIDIA's nvml.h (a stable C ABI), and resolved with dlsym.
#include "zl/metrics/nvml_gpu_memory.h"

#include <dlfcn.h>

#include <vector>

namespace zl::metrics {
namespace {

// From nvml.h: nvmlReturn_t is an int-sized enum, nvmlDevice_t an opaque pointer.
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr NvmlReturn kNvmlErrorInsufficientSize = 7;
constexpr unsigned long long kNvmlValueNotAvailable = ~0ULL;  // NVML_VALUE_NOT_AVAILABLE

// nvmlProcessInfo_t as nvmlDeviceGetComputeRunningProcesses_v3 fills it (nvmlProcessInfo_v2_t of
// the _v2 entry point has the same layout).
struct NvmlProcessInfo {
  unsigned int pid;
  unsigned long long usedGpuMemory;  // bytes, or kNvmlValueNotAvailable
  unsigned int gpuInstanceId;        // MIG instance, or 0xFFFFFFFF
  unsigned int computeInstanceId;
};

using InitFn = NvmlReturn (*)();
using ShutdownFn = NvmlReturn (*)();
using GetCountFn = NvmlReturn (*)(unsigned int*);
using GetHandleByIndexFn = NvmlReturn (*)(unsigned int, NvmlDevice*);
using GetComputeRunningProcessesFn = NvmlReturn (*)(NvmlDevice, unsigned int*, NvmlProcessInfo*);

template <typename Fn>
Fn symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(::dlsym(handle, name));
}

}  // namespace

struct NvmlGpuMemory::Api {
  InitFn init = nullptr;
  ShutdownFn shutdown = nullptr;
  GetCountFn get_count = nullptr;
  GetHandleByIndexFn get_handle_by_index = nullptr;
  GetComputeRunningProcessesFn get_compute_running_processes = nullptr;
};

NvmlGpuMemory::NvmlGpuMemory(const std::string& library) : api_(std::make_unique<Api>()) {
  handle_ = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    // glibc keeps dlerror's message per thread, so this reads our own dlopen's failure.
    const char* error = ::dlerror();
    reason_ = error != nullptr ? error : "cannot open " + library;
    return;
  }
  api_->init = symbol<InitFn>(handle_, "nvmlInit_v2");
  api_->shutdown = symbol<ShutdownFn>(handle_, "nvmlShutdown");
  api_->get_count = symbol<GetCountFn>(handle_, "nvmlDeviceGetCount_v2");
  api_->get_handle_by_index = symbol<GetHandleByIndexFn>(handle_, "nvmlDeviceGetHandleByIndex_v2");
  // _v3 since driver 510; _v2 (same structure) on the drivers just before.
  api_->get_compute_running_processes =
      symbol<GetComputeRunningProcessesFn>(handle_, "nvmlDeviceGetComputeRunningProcesses_v3");
  if (api_->get_compute_running_processes == nullptr) {
    api_->get_compute_running_processes =
        symbol<GetComputeRunningProcessesFn>(handle_, "nvmlDeviceGetComputeRunningProcesses_v2");
  }
  if (api_->init == nullptr || api_->shutdown == nullptr || api_->get_count == nullptr ||
      api_->get_handle_by_index == nullptr || api_->get_compute_running_processes == nullptr) {
    reason_ = library + " lacks an NVML entry point zlaunch needs (driver too old)";
    return;
  }
  const NvmlReturn result = api_->init();
  if (result != kNvmlSuccess) {
    reason_ = "nvmlInit_v2 failed with NVML error " + std::to_string(result);
    return;
  }
  initialized_ = true;
}

NvmlGpuMemory::~NvmlGpuMemory() {
  if (initialized_) api_->shutdown();
  if (handle_ != nullptr) ::dlclose(handle_);
}

std::map<pid_t, std::uint64_t> NvmlGpuMemory::used_bytes_by_pid() const {
  std::map<pid_t, std::uint64_t> used;
  if (!initialized_) return used;
  unsigned int devices = 0;
  if (api_->get_count(&devices) != kNvmlSuccess) return used;
  std::vector<NvmlProcessInfo> processes(64);
  for (unsigned int index = 0; index < devices; ++index) {
    NvmlDevice device = nullptr;
    if (api_->get_handle_by_index(index, &device) != kNvmlSuccess) continue;
    // The list can grow between the call that sizes it and the one that fills it: a few tries.
    unsigned int count = 0;
    NvmlReturn result = kNvmlErrorInsufficientSize;
    for (int attempt = 0; attempt < 3 && result == kNvmlErrorInsufficientSize; ++attempt) {
      count = static_cast<unsigned int>(processes.size());
      result = api_->get_compute_running_processes(device, &count, processes.data());
      if (result == kNvmlErrorInsufficientSize) processes.resize(static_cast<std::size_t>(count) * 2 + 8);
    }
    if (result != kNvmlSuccess) continue;
    for (unsigned int k = 0; k < count; ++k) {
      if (processes[k].usedGpuMemory == kNvmlValueNotAvailable) continue;
      used[static_cast<pid_t>(processes[k].pid)] += processes[k].usedGpuMemory;
    }
  }
  return used;
}

}  // namespace zl::metrics
