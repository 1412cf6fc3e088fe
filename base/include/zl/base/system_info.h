// Facts about the machine this process runs on: CPU model and SIMD level, cores, memory, OS.
// Used by `zlaunch env`, the launcher (OMP_NUM_THREADS) and the kernels' runtime dispatch.
#pragma once

#include <cstdint>
#include <string>

namespace zl {

enum class SimdLevel { kScalar, kAvx2, kAvx512 };

struct SystemInfo {
  std::string cpu_model;  // /proc/cpuinfo "model name", or "unknown"
  SimdLevel simd = SimdLevel::kScalar;
  bool has_fma = false;
  bool has_avx512_bf16 = false;
  int logical_cores = 1;  // online CPUs on the machine
  int usable_cores = 1;   // CPUs in this process's affinity mask
  std::uint64_t memory_total_bytes = 0;
  std::uint64_t memory_available_bytes = 0;
  std::string os;  // e.g. "Debian GNU/Linux 12 (bookworm), Linux 6.1.0 x86_64"
  std::string hostname;
};

// Reads /proc and cpuid once per call; cheap enough for start-up, not for hot paths.
SystemInfo query_system_info();

// The best SIMD level this CPU supports (cpuid), cached after the first call; what runtime dispatch
// of vectorized kernels uses.
SimdLevel cpu_simd_level();

const char* to_string(SimdLevel level);

// Compute threads of one of `local_processes` processes sharing this machine: usable cores / local
// processes, at least 1. The one rule for the launcher's OMP_NUM_THREADS and a standalone `train`.
int threads_per_process(int local_processes);

}  // namespace zl
