// Shared launch machinery for the element-wise kernels of kernels/cuda: a grid-stride loop that takes
// four elements at a time through float4 when every buffer is 16-byte aligned, then finishes the
// scalar tail (n % 4 elements, or all of them when a buffer is misaligned). Each element is computed
// by the same scalar formula either way, so the vector path never changes a result.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "cuda_check.cuh"
#include "zl/kernels/cuda_stream.h"

namespace zl::kernels::cuda {

inline constexpr unsigned int kElementwiseThreads = 256;

inline cudaStream_t current_cuda_stream() { return static_cast<cudaStream_t>(current_stream()); }

inline bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

template <typename... P>
bool all_aligned16(const P*... p) {
  return (aligned16(p) && ...);
}

__device__ __forceinline__ float4 load4(const float* p) { return *reinterpret_cast<const float4*>(p); }
__device__ __forceinline__ void store4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }

// Op provides `__device__ void scalar(std::size_t i) const` and `__device__ void vec4(std::size_t i) const`
// (elements i..i+3, i a multiple of 4, every buffer 16-byte aligned there).
template <typename Op>
__global__ void elementwise_kernel(Op op, std::size_t n, bool vectorized) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t tid = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  std::size_t head = 0;
  if (vectorized) {
    const std::size_t n4 = n / 4;
    for (std::size_t j = tid; j < n4; j += stride) op.vec4(4 * j);
    head = 4 * n4;
  }
  for (std::size_t i = head + tid; i < n; i += stride) op.scalar(i);
}

// Queues op over n elements on the current stream; `vectorized` only where all_aligned16 holds.
template <typename Op>
void launch_elementwise(const Op& op, std::size_t n, bool vectorized) {
  if (n == 0) return;
  const std::size_t work = vectorized ? n / 4 + n % 4 : n;
  elementwise_kernel<<<blocks_for(work, kElementwiseThreads), kElementwiseThreads, 0, current_cuda_stream()>>>(
      op, n, vectorized);
  ZL_CUDA_CHECK_LAUNCH();
}

}  // namespace zl::kernels::cuda
