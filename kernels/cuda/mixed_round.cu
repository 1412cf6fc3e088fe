// CUDA twin of kernels/cpu/mixed_round.cc: grid-stride element-wise rounding through the same
// __host__ __device__ cast math (cast_math.h), so CPU and GPU results are identical bit for bit.
#include "cuda_check.cuh"
#include "zl/kernels/cuda_stream.h"
#include "zl/kernels/math/cast_math.h"
#include "zl/kernels/mixed_round.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kThreads = 256;

// out[i] = op(out[i], in[i]) over n elements (in may be null for a unary op).
template <typename Out, typename In, typename Op>
__global__ void update_kernel(Out* __restrict__ out, const In* __restrict__ in, std::size_t n, Op op) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    out[i] = op(out[i], in == nullptr ? In{} : in[i]);
  }
}

template <typename Out, typename In, typename Op>
void launch_update(Out* out, const In* in, std::size_t n, Op op) {
  if (n == 0) return;
  auto stream = static_cast<cudaStream_t>(current_stream());
  update_kernel<<<blocks_for(n, kThreads), kThreads, 0, stream>>>(out, in, n, op);
  ZL_CUDA_CHECK_LAUNCH();
}

struct ThroughBf16 {
  __device__ float operator()(float x, float /*unused*/) const {
    return math::bf16_bits_to_float(math::float_to_bf16_bits(x));
  }
};
struct ThroughFp16 {
  __device__ float operator()(float x, float /*unused*/) const {
    return math::fp16_bits_to_float(math::float_to_fp16_bits(x));
  }
};
struct AccumulateBf16 {
  __device__ std::uint16_t operator()(std::uint16_t acc, float add) const {
    const float rounded = math::bf16_bits_to_float(math::float_to_bf16_bits(add));
    return math::float_to_bf16_bits(math::bf16_bits_to_float(acc) + rounded);
  }
};
struct AccumulateFp16 {
  __device__ std::uint16_t operator()(std::uint16_t acc, float add) const {
    const float rounded = math::fp16_bits_to_float(math::float_to_fp16_bits(add));
    return math::float_to_fp16_bits(math::fp16_bits_to_float(acc) + rounded);
  }
};
struct AccumulateBf16Bf16 {
  __device__ std::uint16_t operator()(std::uint16_t acc, std::uint16_t add) const {
    return math::float_to_bf16_bits(math::bf16_bits_to_float(acc) + math::bf16_bits_to_float(add));
  }
};
struct AccumulateFp16Fp16 {
  __device__ std::uint16_t operator()(std::uint16_t acc, std::uint16_t add) const {
    return math::float_to_fp16_bits(math::fp16_bits_to_float(acc) + math::fp16_bits_to_float(add));
  }
};

}  // namespace

void round_through_bf16(float* x, std::size_t n) {
  launch_update(x, static_cast<const float*>(nullptr), n, ThroughBf16{});
}
void round_through_fp16(float* x, std::size_t n) {
  launch_update(x, static_cast<const float*>(nullptr), n, ThroughFp16{});
}
void accumulate_bf16(std::uint16_t* acc, const float* add, std::size_t n) {
  launch_update(acc, add, n, AccumulateBf16{});
}
void accumulate_fp16(std::uint16_t* acc, const float* add, std::size_t n) {
  launch_update(acc, add, n, AccumulateFp16{});
}
void accumulate_bf16_bf16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n) {
  launch_update(acc, add, n, AccumulateBf16Bf16{});
}
void accumulate_fp16_fp16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n) {
  launch_update(acc, add, n, AccumulateFp16Fp16{});
}

}  // namespace zl::kernels::cuda
