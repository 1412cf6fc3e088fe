// CPU twin of kernels/cuda/mixed_round.cu: mixed-precision rounding through the shared cast math.
#include "zl/kernels/mixed_round.h"

#include "zl/kernels/math/cast_math.h"

namespace zl::kernels::cpu {

void round_through_bf16(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = math::bf16_bits_to_float(math::float_to_bf16_bits(x[i]));
}

void round_through_fp16(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = math::fp16_bits_to_float(math::float_to_fp16_bits(x[i]));
}

void accumulate_bf16(std::uint16_t* acc, const float* add, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float rounded = math::bf16_bits_to_float(math::float_to_bf16_bits(add[i]));
    acc[i] = math::float_to_bf16_bits(math::bf16_bits_to_float(acc[i]) + rounded);
  }
}

void accumulate_fp16(std::uint16_t* acc, const float* add, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float rounded = math::fp16_bits_to_float(math::float_to_fp16_bits(add[i]));
    acc[i] = math::float_to_fp16_bits(math::fp16_bits_to_float(acc[i]) + rounded);
  }
}

void accumulate_bf16_bf16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    acc[i] = math::float_to_bf16_bits(math::bf16_bits_to_float(acc[i]) + math::bf16_bits_to_float(add[i]));
  }
}

void accumulate_fp16_fp16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    acc[i] = math::float_to_fp16_bits(math::fp16_bits_to_float(acc[i]) + math::fp16_bits_to_float(add[i]));
  }
}

}  // namespace zl::kernels::cpu
