// NvmlGpuMemory without NVML (a library that does not exist, as on a machine without the NVIDIA
// driver) is unavailable with a reason and reports nothing, without crashing; against a stand-in
// NVML whose answers are known (fake_nvml.cc) it sums each process over the devices exactly, and a
// driver whose NVML fails to start or is too old is "found but unavailable"; with the driver's real
// library, whatever this machine has, it is either usable or says why not.
#include "zl/metrics/nvml_gpu_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <map>

namespace zl::metrics {
namespace {

TEST(NvmlGpuMemory, WithoutTheLibraryIsUnavailableAndReportsNothing) {
  const NvmlGpuMemory nvml("libzlaunch-test-no-such-nvml.so.1");
  EXPECT_FALSE(nvml.available());
  EXPECT_FALSE(nvml.library_found());
  EXPECT_NE(nvml.unavailable_reason().find("libzlaunch-test-no-such-nvml.so.1"), std::string::npos)
      << nvml.unavailable_reason();
  EXPECT_TRUE(nvml.used_bytes_by_pid().empty());
}

TEST(NvmlGpuMemory, SumsEachProcessOverEveryDeviceAndSkipsUnknownUsage) {
  const NvmlGpuMemory nvml(ZL_FAKE_NVML_OK_PATH);
  ASSERT_TRUE(nvml.available()) << nvml.unavailable_reason();
  EXPECT_TRUE(nvml.unavailable_reason().empty());
  const auto used = nvml.used_bytes_by_pid();
  std::map<pid_t, std::uint64_t> expected = {{::getpid(), 3u << 20}};  // 1 MiB on device 0 + 2 MiB on device 1
  for (pid_t pid = 1000; pid < 1070; ++pid) expected[pid] = 4096;      // past the first 64-entry buffer
  EXPECT_EQ(used, expected) << "pid 4242's usage is not available and must be left out";
}

TEST(NvmlGpuMemory, ADriverWhoseNvmlDoesNotStartIsFoundButUnavailable) {
  const NvmlGpuMemory nvml(ZL_FAKE_NVML_INIT_FAILS_PATH);
  EXPECT_FALSE(nvml.available());
  EXPECT_TRUE(nvml.library_found());
  EXPECT_NE(nvml.unavailable_reason().find("nvmlInit_v2"), std::string::npos) << nvml.unavailable_reason();
  EXPECT_TRUE(nvml.used_bytes_by_pid().empty());
}

TEST(NvmlGpuMemory, ADriverWithoutTheProcessQueryIsFoundButUnavailable) {
  const NvmlGpuMemory nvml(ZL_FAKE_NVML_OLD_DRIVER_PATH);
  EXPECT_FALSE(nvml.available());
  EXPECT_TRUE(nvml.library_found());
  EXPECT_NE(nvml.unavailable_reason().find("entry point"), std::string::npos) << nvml.unavailable_reason();
  EXPECT_TRUE(nvml.used_bytes_by_pid().empty());
}

TEST(NvmlGpuMemory, TheDriversLibraryIsUsableOrSaysWhyNot) {
  const NvmlGpuMemory nvml;
  if (!nvml.available()) {
    EXPECT_FALSE(nvml.unavailable_reason().empty());
    EXPECT_TRUE(nvml.used_bytes_by_pid().empty());
    GTEST_SKIP() << "no usable NVML here: " << nvml.unavailable_reason();
  }
  EXPECT_TRUE(nvml.unavailable_reason().empty());
  // This test process has no CUDA context, so NVML does not list it.
  EXPECT_EQ(nvml.used_bytes_by_pid().count(::getpid()), 0u);
}

TEST(NvmlGpuMemory, CanBeOpenedAgainAfterItWasClosed) {
  // nvmlInit/nvmlShutdown are reference counted and dlopen/dlclose too: one reader per attempt of a
  // run, one after the other, must each work as the first did.
  bool first = false;
  {
    const NvmlGpuMemory nvml;
    first = nvml.available();
  }
  const NvmlGpuMemory again;
  EXPECT_EQ(again.available(), first) << again.unavailable_reason();
}

}  // namespace
}  // namespace zl::metrics
