// CUDA twin of kernels/cpu/l2_norm.cc: the sum of squares in double, as a two-pass reduction with a
// fixed grid (kL2Blocks x kL2Threads, whatever the GPU) and fixed shuffle trees, so the result depends
// only on n and the buffer's 16-byte alignment, never on the device or the run. The CPU twin adds in
// another order: the two agree to double rounding (products of floats are exact in double).
// squared_l2_norm returns a host double: it copies the result back and synchronizes the current stream.
#include "elementwise.cuh"
#include "reduce.cuh"
#include "zl/kernels/l2_norm.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kL2Blocks = 512;
constexpr unsigned int kL2Threads = 256;

__device__ __forceinline__ double square(float x) { return static_cast<double>(x) * static_cast<double>(x); }

__global__ void l2_partial_kernel(const float* x, std::size_t n, bool vectorized, double* partial) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t tid = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  double s = 0.0;
  std::size_t head = 0;
  if (vectorized) {
    const std::size_t n4 = n / 4;
    for (std::size_t j = tid; j < n4; j += stride) {
      const float4 v = load4(x + 4 * j);
      s += (square(v.x) + square(v.y)) + (square(v.z) + square(v.w));
    }
    head = 4 * n4;
  }
  for (std::size_t i = head + tid; i < n; i += stride) s += square(x[i]);
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

__global__ void l2_final_kernel(const double* partial, double* result) {
  double s = 0.0;
  for (unsigned int i = threadIdx.x; i < kL2Blocks; i += blockDim.x) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *result = s;
}

}  // namespace

double squared_l2_norm(const float* x, std::size_t n) {
  if (n == 0) return 0.0;
  const cudaStream_t stream = current_cuda_stream();
  double* scratch = nullptr;  // kL2Blocks partial sums, then the result
  ZL_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&scratch), (kL2Blocks + 1) * sizeof(double), stream));
  l2_partial_kernel<<<kL2Blocks, kL2Threads, 0, stream>>>(x, n, aligned16(x), scratch);
  ZL_CUDA_CHECK_LAUNCH();
  l2_final_kernel<<<1, kL2Threads, 0, stream>>>(scratch, scratch + kL2Blocks);
  ZL_CUDA_CHECK_LAUNCH();
  double result = 0.0;
  ZL_CUDA_CHECK(cudaMemcpyAsync(&result, scratch + kL2Blocks, sizeof(double), cudaMemcpyDeviceToHost, stream));
  ZL_CUDA_CHECK(cudaFreeAsync(scratch, stream));
  ZL_CUDA_CHECK(cudaStreamSynchronize(stream));  // the return value must be on the host
  return result;
}

}  // namespace zl::kernels::cuda
