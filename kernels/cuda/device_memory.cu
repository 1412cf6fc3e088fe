// Device memory primitives for the runtime's accounting allocator (zl/kernels/device_memory.h).
#include "zl/kernels/device_memory.h"

#include "cuda_check.cuh"

namespace zl::kernels::cuda {

void* device_allocate(std::size_t bytes) {
  void* data = nullptr;
  ZL_CUDA_CHECK(cudaMalloc(&data, bytes == 0 ? 1 : bytes));
  return data;
}

void device_free(void* data) { cudaFree(data); }  // never throws: called from destructors

void copy_to_device(void* device_dst, const void* host_src, std::size_t bytes) {
  ZL_CUDA_CHECK(cudaMemcpy(device_dst, host_src, bytes, cudaMemcpyHostToDevice));
}

void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) {
  ZL_CUDA_CHECK(cudaMemcpy(host_dst, device_src, bytes, cudaMemcpyDeviceToHost));
}

void device_fill_zero(void* device_dst, std::size_t bytes) { ZL_CUDA_CHECK(cudaMemset(device_dst, 0, bytes)); }

}  // namespace zl::kernels::cuda
