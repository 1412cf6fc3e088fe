// Device memory for the runtime's allocator and tensors: cudaMalloc/cudaFree, pinned host memory and
// copies behind plain pointers, so that host code needs no CUDA headers. Only built with CUDA
// (kernels/cuda/device_memory.cu); every call is checked and throws zl::Error naming file:line.
//
// Ordering contract: allocation and release are stream-ordered (cudaMallocAsync/cudaFreeAsync from the
// device's default pool, which keeps freed memory for reuse), and every copy and fill is queued on the
// calling thread's current stream
// (zl/kernels/cuda_stream.h), behind the kernels that thread queued before. The copies between host
// and device then wait for that stream, so the host buffer may be read (or freed) as soon as they
// return; copy_on_device and device_fill_zero do not wait.
#pragma once

#include <cstddef>

namespace zl::kernels::cuda {

void* device_allocate(std::size_t bytes);
void device_free(void* data);  // never throws (destructors call it)
// Page-locked host memory (cudaMallocHost): what offload buffers and device<->host staging use so that
// copies run at full PCIe speed without a driver-side bounce.
void* pinned_allocate(std::size_t bytes);
void pinned_free(void* data);  // never throws

void copy_to_device(void* device_dst, const void* host_src, std::size_t bytes);
void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes);
void copy_on_device(void* device_dst, const void* device_src, std::size_t bytes);
void device_fill_zero(void* device_dst, std::size_t bytes);

}  // namespace zl::kernels::cuda
