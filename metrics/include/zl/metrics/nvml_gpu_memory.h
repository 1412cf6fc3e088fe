// NvmlGpuMemory: GPU memory used by each process, summed over every GPU of the machine, from NVML
// (the NVIDIA driver's management library), for the launcher's per-rank zlaunch_rank_gpu_memory_bytes.
//
// The library is opened at run time (dlopen of libnvidia-ml.so.1, which the driver installs), so
// zlaunch neither links against it nor needs CUDA headers, and runs unchanged on machines without
// an NVIDIA driver: there the reader is unavailable() and reports nothing. Callers then export no
// GPU series at all, rather than zeros that would read as "this rank holds no GPU memory".
//
// NVML counts the memory of a process's CUDA contexts (allocations, the context itself, cached
// blocks of a caching allocator), as nvidia-smi's process table shows it. It names processes by
// their pid in the host's pid namespace: inside a container with a pid namespace of its own, ranks'
// pids do not match and every rank reads 0.
//
// Lifetime and threads: nvmlInit at construction, nvmlShutdown and dlclose at destruction; one
// object per user. NVML itself is thread-safe; this object is used from one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace zl::metrics {

class NvmlGpuMemory {
 public:
  // Opens library (a name for dlopen's search, or a path) and initializes NVML. Never throws: any
  // failure (no library, a symbol missing from an old driver, nvmlInit failing because no GPU or
  // driver is usable) leaves the object unavailable with the reason.
  explicit NvmlGpuMemory(const std::string& library = "libnvidia-ml.so.1");
  ~NvmlGpuMemory();
  NvmlGpuMemory(const NvmlGpuMemory&) = delete;
  NvmlGpuMemory& operator=(const NvmlGpuMemory&) = delete;

  [[nodiscard]] bool available() const { return initialized_; }
  // Why it is unavailable, e.g. "libnvidia-ml.so.1: cannot open shared object file"; empty when available.
  [[nodiscard]] const std::string& unavailable_reason() const { return reason_; }
  // True when the library was found but could not be used (a driver problem worth a warning), as
  // opposed to a machine without the NVIDIA driver.
  [[nodiscard]] bool library_found() const { return handle_ != nullptr; }

  // Bytes of GPU memory each process with a compute context uses, summed over all GPUs. Processes
  // without one are absent; so is a process whose usage NVML does not know. A device that fails
  // to answer is skipped. Empty when unavailable. Cost: one NVML query per GPU.
  [[nodiscard]] std::map<pid_t, std::uint64_t> used_bytes_by_pid() const;

 private:
  struct Api;  // the NVML entry points, resolved by dlsym
  void* handle_ = nullptr;
  std::unique_ptr<Api> api_;
  bool initialized_ = false;
  std::string reason_;
};

}  // namespace zl::metrics
