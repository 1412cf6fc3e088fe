// CPU twin of kernels/cuda/cast.cu: element-wise conversions through the shared math in cast_math.h.
#include "zl/kernels/cast.h"

#include "zl/kernels/math/cast_math.h"

namespace zl::kernels::cpu {

void cast_fp32_to_bf16(const float* in, std::uint16_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = math::float_to_bf16_bits(in[i]);
}

void cast_bf16_to_fp32(const std::uint16_t* in, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = math::bf16_bits_to_float(in[i]);
}

void cast_fp32_to_fp16(const float* in, std::uint16_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = math::float_to_fp16_bits(in[i]);
}

void cast_fp16_to_fp32(const std::uint16_t* in, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = math::fp16_bits_to_float(in[i]);
}

}  // namespace zl::kernels::cpu
