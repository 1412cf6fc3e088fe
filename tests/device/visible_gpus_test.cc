// The GPU count that programs install for device "auto" and the launcher uses (zl/device/visible_gpus.h):
// the driver's answer in a CUDA build, none in a build without CUDA; without a driver library a count of
// 0 that says why; in a CUDA build the same count the CUDA runtime gives (zlaunch env's GPU list).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "zl/base/build_info.h"
#include "zl/device/accelerator_info.h"
#include "zl/device/visible_gpus.h"

namespace zl::device {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool driver_library_present() {
  void* driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
  if (driver == nullptr) driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  return driver != nullptr;  // kept open, as count_gpus_with_driver() keeps it
}

TEST(VisibleGpus, TheBuildsAnswerIsTheDriversWithCudaAndNoneWithout) {
  const VisibleGpus answer = query_visible_gpus();
  EXPECT_EQ(visible_gpu_count(), answer.count);
  EXPECT_EQ(answer.count == 0, !answer.no_gpu_reason.empty()) << "a count of 0, and only that, says why";
  if (build_info::kHaveCuda) {
    const VisibleGpus driver = count_gpus_with_driver();
    EXPECT_EQ(answer.count, driver.count);
    EXPECT_EQ(answer.no_gpu_reason, driver.no_gpu_reason);
  } else {
    EXPECT_EQ(answer.count, 0);
    EXPECT_TRUE(contains(answer.no_gpu_reason, "no CUDA support")) << answer.no_gpu_reason;
  }
}

TEST(VisibleGpus, WithoutTheDriverLibraryTheCountIsZeroAndNamesIt) {
  if (driver_library_present()) GTEST_SKIP() << "libcuda.so.1 is installed here";
  const VisibleGpus driver = count_gpus_with_driver();
  EXPECT_EQ(driver.count, 0);
  EXPECT_TRUE(contains(driver.no_gpu_reason, "libcuda.so.1 cannot be loaded")) << driver.no_gpu_reason;
}

TEST(VisibleGpus, CountsWhatTheCudaRuntimeSees) {
  if (!build_info::kHaveCuda) GTEST_SKIP() << "this build has no CUDA runtime to compare with";
  EXPECT_EQ(static_cast<std::size_t>(visible_gpu_count()), query_accelerators().gpus.size())
      << query_visible_gpus().no_gpu_reason << " / " << query_accelerators().no_gpu_reason;
}

TEST(VisibleGpus, TheNoGpuMessageNamesTheReasonAndTheFix) {
  const std::string message = no_gpu_message("cuInit: no CUDA-capable device is detected");
  EXPECT_TRUE(contains(message, "device: cuda was requested")) << message;
  EXPECT_TRUE(contains(message, "device: cpu")) << message;
  if (build_info::kHaveCuda) {
    EXPECT_TRUE(contains(message, "no GPU is visible to this process (cuInit: no CUDA-capable device is detected)"))
        << message;
  } else {
    EXPECT_TRUE(contains(message, "built without CUDA")) << message;
  }
}

}  // namespace
}  // namespace zl::device
