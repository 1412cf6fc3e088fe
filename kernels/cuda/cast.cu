// CUDA twin of kernels/cpu/cast.cc: grid-stride element-wise conversions using the same
// __host__ __device__ math (cast_math.h), so CPU and GPU results are identical bit for bit.
#include "cuda_check.cuh"
#include "zl/kernels/cast.h"
#include "zl/kernels/cuda_stream.h"
#include "zl/kernels/math/cast_math.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kThreads = 256;

template <typename In, typename Out, typename Convert>
__global__ void convert_kernel(const In* __restrict__ in, Out* __restrict__ out, std::size_t n, Convert convert) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    out[i] = convert(in[i]);
  }
}

template <typename In, typename Out, typename Convert>
void launch_convert(const In* in, Out* out, std::size_t n, Convert convert) {
  if (n == 0) return;
  auto stream = static_cast<cudaStream_t>(current_stream());
  convert_kernel<<<blocks_for(n, kThreads), kThreads, 0, stream>>>(in, out, n, convert);
  ZL_CUDA_CHECK_LAUNCH();
}

struct ToBf16 {
  __device__ std::uint16_t operator()(float x) const { return math::float_to_bf16_bits(x); }
};
struct FromBf16 {
  __device__ float operator()(std::uint16_t x) const { return math::bf16_bits_to_float(x); }
};
struct ToFp16 {
  __device__ std::uint16_t operator()(float x) const { return math::float_to_fp16_bits(x); }
};
struct FromFp16 {
  __device__ float operator()(std::uint16_t x) const { return math::fp16_bits_to_float(x); }
};

}  // namespace

void cast_fp32_to_bf16(const float* in, std::uint16_t* out, std::size_t n) { launch_convert(in, out, n, ToBf16{}); }
void cast_bf16_to_fp32(const std::uint16_t* in, float* out, std::size_t n) { launch_convert(in, out, n, FromBf16{}); }
void cast_fp32_to_fp16(const float* in, std::uint16_t* out, std::size_t n) { launch_convert(in, out, n, ToFp16{}); }
void cast_fp16_to_fp32(const std::uint16_t* in, float* out, std::size_t n) { launch_convert(in, out, n, FromFp16{}); }

}  // namespace zl::kernels::cuda
