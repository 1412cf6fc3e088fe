// count_gpus_with_driver() (visible_gpus.h): cuInit and cuDeviceGetCount from a dlopened libcuda.so.1.
// Built in both flavours (it needs no CUDA headers), so its answer on a machine without a driver is
// tested everywhere.
#include <dlfcn.h>

#include "zl/device/visible_gpus.h"

namespace zl::device {
namespace {

// The three driver entry points used, with cuda.h's signatures: CUresult is an enum of int size whose
// CUDA_SUCCESS is 0. Declared here, not included, so this file builds without the CUDA toolkit.
using CuResult = int;
using CuInit = CuResult (*)(unsigned int flags);
using CuDeviceGetCount = CuResult (*)(int* count);
using CuGetErrorString = CuResult (*)(CuResult error, const char** text);
constexpr CuResult kCudaSuccess = 0;

std::string describe_failure(const char* call, CuResult status, CuGetErrorString error_string) {
  const char* text = nullptr;
  if (error_string == nullptr || error_string(status, &text) != kCudaSuccess || text == nullptr) {
    return std::string(call) + ": CUDA driver error " + std::to_string(status);
  }
  return std::string(call) + ": " + text;
}

}  // namespace

VisibleGpus count_gpus_with_driver() {
  // Never closed (visible_gpus.h); a second call only takes another reference to the loaded library.
  void* driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (driver == nullptr) {
    const char* why = ::dlerror();  // per thread: this dlopen's own failure
    return {0, std::string("the CUDA driver library libcuda.so.1 cannot be loaded (no NVIDIA driver installed?): ") +
                   (why != nullptr ? why : "dlopen failed")};
  }
  const auto init = reinterpret_cast<CuInit>(::dlsym(driver, "cuInit"));
  const auto get_count = reinterpret_cast<CuDeviceGetCount>(::dlsym(driver, "cuDeviceGetCount"));
  const auto error_string = reinterpret_cast<CuGetErrorString>(::dlsym(driver, "cuGetErrorString"));
  if (init == nullptr || get_count == nullptr) return {0, "libcuda.so.1 has no cuInit or cuDeviceGetCount"};
  if (const CuResult status = init(0); status != kCudaSuccess) {
    return {0, describe_failure("cuInit", status, error_string)};
  }
  int count = 0;
  if (const CuResult status = get_count(&count); status != kCudaSuccess) {
    return {0, describe_failure("cuDeviceGetCount", status, error_string)};
  }
  if (count <= 0) return {0, "CUDA reports 0 devices"};
  return {count, ""};
}

}  // namespace zl::device
