// Device memory primitives for the runtime (zl/kernels/device_memory.h).
#include "zl/kernels/cuda_stream.h"
#include "zl/kernels/device_memory.h"

#include "cuda_check.cuh"

namespace zl::kernels::cuda {
namespace {

cudaStream_t stream() { return static_cast<cudaStream_t>(current_stream()); }

}  // namespace

void* device_allocate(std::size_t bytes) {
  void* data = nullptr;
  ZL_CUDA_CHECK(cudaMalloc(&data, bytes == 0 ? 1 : bytes));
  return data;
}

void device_free(void* data) { cudaFree(data); }

void* pinned_allocate(std::size_t bytes) {
  void* data = nullptr;
  ZL_CUDA_CHECK(cudaMallocHost(&data, bytes == 0 ? 1 : bytes));
  return data;
}

void pinned_free(void* data) { cudaFreeHost(data); }

void copy_to_device(void* device_dst, const void* host_src, std::size_t bytes) {
  if (bytes == 0) return;
  ZL_CUDA_CHECK(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, stream()));
  ZL_CUDA_CHECK(cudaStreamSynchronize(stream()));  // the host buffer may be reused on return
}

void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) {
  if (bytes == 0) return;
  ZL_CUDA_CHECK(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, stream()));
  ZL_CUDA_CHECK(cudaStreamSynchronize(stream()));  // the host buffer is read on return
}

void copy_on_device(void* device_dst, const void* device_src, std::size_t bytes) {
  if (bytes == 0) return;
  ZL_CUDA_CHECK(cudaMemcpyAsync(device_dst, device_src, bytes, cudaMemcpyDeviceToDevice, stream()));
}

void device_fill_zero(void* device_dst, std::size_t bytes) {
  if (bytes == 0) return;
  ZL_CUDA_CHECK(cudaMemsetAsync(device_dst, 0, bytes, stream()));
}

}  // namespace zl::kernels::cuda
