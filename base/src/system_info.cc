// Machine facts for `zlaunch env` and kernel dispatch, read from /proc, uname and cpuid.
#include "zl/base/system_info.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace zl {
namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\"");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\"");
  return s.substr(begin, end - begin + 1);
}

// Value of the first line "key<sep>value" in a /proc-style file, or "" when absent.
std::string read_keyed_line(const char* path, const std::string& key, char sep) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto pos = line.find(sep);
    if (pos != std::string::npos && trim(line.substr(0, pos)) == key) {
      return trim(line.substr(pos + 1));
    }
  }
  return "";
}

std::uint64_t meminfo_bytes(const std::string& key) {
  const std::string value = read_keyed_line("/proc/meminfo", key, ':');  // "24576000 kB"
  std::istringstream in(value);
  std::uint64_t kib = 0;
  in >> kib;
  return kib * 1024;
}

SimdLevel detect_simd() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) return SimdLevel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::kAvx2;
  return SimdLevel::kScalar;
}

}  // namespace

SimdLevel cpu_simd_level() {
  static const SimdLevel level = detect_simd();
  return level;
}

const char* to_string(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512:
      return "AVX-512";
    case SimdLevel::kAvx2:
      return "AVX2";
    case SimdLevel::kScalar:
      return "scalar (no AVX2)";
  }
  return "unknown";
}

SystemInfo query_system_info() {
  SystemInfo info;
  info.cpu_model = read_keyed_line("/proc/cpuinfo", "model name", ':');
  if (info.cpu_model.empty()) info.cpu_model = "unknown";
  info.simd = cpu_simd_level();
  __builtin_cpu_init();
  info.has_fma = __builtin_cpu_supports("fma");
  info.has_avx512_bf16 = read_keyed_line("/proc/cpuinfo", "flags", ':').find("avx512_bf16") != std::string::npos;
  info.logical_cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  cpu_set_t set;
  CPU_ZERO(&set);
  info.usable_cores = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : info.logical_cores;
  info.memory_total_bytes = meminfo_bytes("MemTotal");
  info.memory_available_bytes = meminfo_bytes("MemAvailable");
  std::string os_name = read_keyed_line("/etc/os-release", "PRETTY_NAME", '=');
  utsname uts{};
  if (uname(&uts) == 0) {
    info.os = (os_name.empty() ? std::string(uts.sysname) : os_name) + ", " + uts.sysname + " " + uts.release + " " +
              uts.machine;
    info.hostname = uts.nodename;
  }
  return info;
}

int threads_per_process(int local_processes) {
  return std::max(1, query_system_info().usable_cores / std::max(1, local_processes));
}

}  // namespace zl
