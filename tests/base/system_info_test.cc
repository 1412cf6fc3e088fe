// Machine facts agree with independent sources (/proc/cpuinfo flags, sysconf).
#include "zl/base/system_info.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace zl {
namespace {

std::string cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) return line + " ";
  }
  return "";
}

TEST(SystemInfo, SimdLevelMatchesProcCpuinfoFlags) {
  const std::string flags = cpu_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags line on this machine";
  const bool avx512 = flags.find(" avx512f ") != std::string::npos && flags.find(" avx512bw ") != std::string::npos;
  const bool avx2 = flags.find(" avx2 ") != std::string::npos && flags.find(" fma ") != std::string::npos;
  const SimdLevel expected = avx512 ? SimdLevel::kAvx512 : (avx2 ? SimdLevel::kAvx2 : SimdLevel::kScalar);
  EXPECT_EQ(cpu_simd_level(), expected) << to_string(cpu_simd_level());
}

TEST(SystemInfo, CoresAndMemoryAreThoseOfThisMachine) {
  const SystemInfo info = query_system_info();
  EXPECT_EQ(info.logical_cores, sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_GE(info.usable_cores, 1);
  EXPECT_LE(info.usable_cores, info.logical_cores);
  const auto physical =
      static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  // /proc/meminfo's MemTotal is in kiB and excludes a little reserved memory: within 10% of sysconf.
  EXPECT_GT(info.memory_total_bytes, physical / 10 * 9);
  EXPECT_LE(info.memory_total_bytes, physical);
  EXPECT_LE(info.memory_available_bytes, info.memory_total_bytes);
  EXPECT_NE(info.cpu_model, "");
  EXPECT_NE(info.hostname, "");
}

}  // namespace
}  // namespace zl
