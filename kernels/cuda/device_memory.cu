// Device memory primitives for the runtime (zl/kernels/device_memory.h).
#include <cstdint>

#include "zl/kernels/cuda_stream.h"
#include "zl/kernels/device_memory.h"

#include "cuda_check.cuh"

namespace zl::kernels::cuda {
namespace {

cudaStream_t stream() { return static_cast<cudaStream_t>(current_stream()); }

// The current device's default memory pool keeps what is freed for reuse instead of returning it to the
// driver at every synchronization (its release threshold is 0 by default).
void keep_freed_memory_in_pool() {
  int device = 0;
  ZL_CUDA_CHECK(cudaGetDevice(&device));
  static thread_local int configured_device = -1;
  if (configured_device == device) return;
  cudaMemPool_t pool = nullptr;
  ZL_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
  std::uint64_t keep_all = UINT64_MAX;
  ZL_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_all));
  configured_device = device;
}

}  // namespace

// Stream-ordered (cudaMallocAsync/cudaFreeAsync on the current stream): freeing a temporary buffer, which
// the engine does for every gathered layer and every gradient bucket, never synchronizes the device as
// cudaFree would; the memory is reused by later allocations in stream order.
void* device_allocate(std::size_t bytes) {
  keep_freed_memory_in_pool();
  void* data = nullptr;
  ZL_CUDA_CHECK(cudaMallocAsync(&data, bytes == 0 ? 1 : bytes, stream()));
  return data;
}

void device_free(void* data) { cudaFreeAsync(data, stream()); }

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
