// Block-wide reductions for kernels/cuda (layernorm, softmax, norms). Fixed shuffle trees: for a given
// blockDim the order of additions never changes, so every reduction here is deterministic.
// Contract: blockDim.x is a multiple of 32 and at most 1024; every thread of the block calls, and
// gets the block's result.
#pragma once

#include <cuda_runtime.h>

namespace zl::kernels::cuda {

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other = __shfl_xor_sync(0xffffffffu, v, offset);
    v = other > v ? other : v;
  }
  return v;
}

template <typename T>
__device__ T block_sum(T v) {
  __shared__ T partial[32];
  __syncthreads();  // a previous call's readers are done with `partial`
  v = warp_sum(v);
  const unsigned int warp = threadIdx.x / 32;
  const unsigned int lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const unsigned int warps = blockDim.x / 32;
  v = lane < warps ? partial[lane] : T(0);
  return warp_sum(v);
}

__device__ inline float block_max(float v) {
  __shared__ float partial[32];
  __syncthreads();
  v = warp_max(v);
  const unsigned int warp = threadIdx.x / 32;
  const unsigned int lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const unsigned int warps = blockDim.x / 32;
  v = lane < warps ? partial[lane] : partial[0];
  return warp_max(v);
}

}  // namespace zl::kernels::cuda
