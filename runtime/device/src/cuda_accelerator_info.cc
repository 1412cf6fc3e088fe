// Accelerator report for CUDA builds: asks cudart, the driver, NCCL and cuBLAS for their versions and
// enumerates GPUs. cudaGetDeviceCount fails on machines without a GPU or driver; that is "no GPU".
//
// cuBLAS is asked through dlopen, not linked: its static initialisation costs every process that maps
// it ~0.2 s (bench/launch/RESULTS.md), and `zlaunch env` only needs its version. The kernels that compute
// with cuBLAS (zlaunch::kernels_cuda) link it for real.
#include <cublas_api.h>
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <nccl.h>

#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"

namespace zl::device {
namespace {

std::string cuda_version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

// The version of the libcublas.so.<major> the dynamic loader finds (the one kernels_cuda would use), or
// "" when it cannot be loaded. The handle is closed again: nothing else here calls into cuBLAS.
std::string loaded_cublas_version() {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* library = dlopen(soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (library == nullptr) return "";
  using GetProperty = cublasStatus_t (*)(libraryPropertyType, int*);
  auto get_property = reinterpret_cast<GetProperty>(dlsym(library, "cublasGetProperty"));
  std::string version;
  int major = 0, minor = 0, patch = 0;
  if (get_property != nullptr && get_property(MAJOR_VERSION, &major) == CUBLAS_STATUS_SUCCESS &&
      get_property(MINOR_VERSION, &minor) == CUBLAS_STATUS_SUCCESS &&
      get_property(PATCH_LEVEL, &patch) == CUBLAS_STATUS_SUCCESS) {
    version = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
  dlclose(library);
  return version;
}

}  // namespace

AcceleratorInfo query_accelerators() {
  AcceleratorInfo info;
  info.cuda_compiled = true;
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) info.cuda_runtime_version = cuda_version_string(runtime);
  int driver = 0;
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0)
    info.cuda_driver_version = cuda_version_string(driver);
  int nccl = 0;
  if (ncclGetVersion(&nccl) == ncclSuccess) {
    info.nccl_version =
        std::to_string(nccl / 10000) + "." + std::to_string((nccl % 10000) / 100) + "." + std::to_string(nccl % 100);
  }
  info.cublas_version = loaded_cublas_version();
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    info.no_gpu_reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status);
    (void)cudaGetLastError();  // clear the sticky error so later calls start clean
    return info;
  }
  if (count == 0) info.no_gpu_reason = "CUDA reports 0 devices";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    info.gpus.push_back(
        GpuInfo{i, prop.name, prop.major, prop.minor, static_cast<unsigned long long>(prop.totalGlobalMem)});
  }
  return info;
}

void require_cuda_device() {
  const AcceleratorInfo info = query_accelerators();
  if (info.gpus.empty()) throw UnavailableError(no_gpu_message(info.no_gpu_reason));
}

void use_cuda_device(int index) {
  require_cuda_device();
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || index < 0 || index >= count) {
    throw UnavailableError("device: cuda: GPU " + std::to_string(index) + " was asked for, but " +
                           std::to_string(count) + " are visible (CUDA_VISIBLE_DEVICES); run at most one rank per GPU");
  }
  const cudaError_t status = cudaSetDevice(index);
  if (status != cudaSuccess) {
    throw InfrastructureError("cudaSetDevice(" + std::to_string(index) + "): " + cudaGetErrorString(status));
  }
}

std::optional<DeviceMemory> current_device_memory() {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    (void)cudaGetLastError();
    return std::nullopt;
  }
  return DeviceMemory{free_bytes, total_bytes};
}

}  // namespace zl::device
