// Device memory for the runtime's allocator: cudaMalloc/cudaFree/cudaMemcpy behind plain pointers so
// that host code needs no CUDA headers. Only built with CUDA (kernels/cuda/device_memory.cu); every call
// is checked and throws zl::Error naming file:line.
#pragma once

#include <cstddef>

namespace zl::kernels::cuda {

void* device_allocate(std::size_t bytes);
void device_free(void* data);
void copy_to_device(void* device_dst, const void* host_src, std::size_t bytes);
void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes);
void device_fill_zero(void* device_dst, std::size_t bytes);

}  // namespace zl::kernels::cuda
