// CUDA twin of kernels/cpu/nonfinite.cc: the same exponent-bits test, OR-reduced per block
// (__syncthreads_or) and then into one device flag with atomicOr. OR is exact and order-free, so the
// answer is deterministic. has_nonfinite returns a host bool: it copies the flag back and synchronizes
// the current stream.
#include "elementwise.cuh"
#include "zl/kernels/nonfinite.h"

namespace zl::kernels::cuda {
namespace {

__device__ __forceinline__ unsigned int nonfinite_bits(unsigned int u) {
  return static_cast<unsigned int>((u & 0x7f800000u) == 0x7f800000u);
}

__global__ void nonfinite_kernel(const float* x, std::size_t n, bool vectorized, unsigned int* flag) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t tid = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  const auto* bits = reinterpret_cast<const unsigned int*>(x);
  unsigned int found = 0;
  std::size_t head = 0;
  if (vectorized) {
    const std::size_t n4 = n / 4;
    const auto* bits4 = reinterpret_cast<const uint4*>(x);
    for (std::size_t j = tid; j < n4; j += stride) {
      const uint4 u = bits4[j];
      found |= nonfinite_bits(u.x) | nonfinite_bits(u.y) | nonfinite_bits(u.z) | nonfinite_bits(u.w);
    }
    head = 4 * n4;
  }
  for (std::size_t i = head + tid; i < n; i += stride) found |= nonfinite_bits(bits[i]);
  found = static_cast<unsigned int>(__syncthreads_or(static_cast<int>(found)));
  if (threadIdx.x == 0 && found != 0) atomicOr(flag, 1u);
}

}  // namespace

bool has_nonfinite(const float* x, std::size_t n) {
  if (n == 0) return false;
  const cudaStream_t stream = current_cuda_stream();
  const bool vectorized = aligned16(x);
  const std::size_t work = vectorized ? n / 4 + n % 4 : n;
  unsigned int* flag = nullptr;
  ZL_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&flag), sizeof(unsigned int), stream));
  ZL_CUDA_CHECK(cudaMemsetAsync(flag, 0, sizeof(unsigned int), stream));
  nonfinite_kernel<<<blocks_for(work, kElementwiseThreads), kElementwiseThreads, 0, stream>>>(x, n, vectorized, flag);
  ZL_CUDA_CHECK_LAUNCH();
  unsigned int host_flag = 0;
  ZL_CUDA_CHECK(cudaMemcpyAsync(&host_flag, flag, sizeof(unsigned int), cudaMemcpyDeviceToHost, stream));
  ZL_CUDA_CHECK(cudaFreeAsync(flag, stream));
  ZL_CUDA_CHECK(cudaStreamSynchronize(stream));  // the return value must be on the host
  return host_flag != 0;
}

}  // namespace zl::kernels::cuda
