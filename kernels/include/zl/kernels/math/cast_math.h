// Conversions between fp32 and the 16-bit formats (bfloat16, IEEE binary16), round to nearest even,
// shared by kernels/cpu/cast.cc and kernels/cuda/cast.cu.
//
// Contract: NaN stays NaN (quiet), +-inf stays inf, fp16 overflow (|x| >= 65520) becomes inf, fp16
// underflow produces correctly rounded subnormals. 16-bit values travel as their raw bits
// (std::uint16_t) so host code never needs CUDA's types.
#pragma once

#include <cstdint>
#include <cstring>

#include "zl/kernels/host_device.h"

namespace zl::kernels::math {

ZL_HOST_DEVICE std::uint32_t float_bits(float f) {
  std::uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

ZL_HOST_DEVICE float bits_float(std::uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof(f));
  return f;
}

ZL_HOST_DEVICE std::uint16_t float_to_bf16_bits(float f) {
  const std::uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    return static_cast<std::uint16_t>((u >> 16) | 0x0040u);  // NaN: keep sign and payload, force quiet
  }
  const std::uint32_t rounding_bias = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>((u + rounding_bias) >> 16);
}

ZL_HOST_DEVICE float bf16_bits_to_float(std::uint16_t h) { return bits_float(static_cast<std::uint32_t>(h) << 16); }

// After F. Giesen's float_to_half_fast3_rtne: exact round-to-nearest-even with subnormals.
ZL_HOST_DEVICE std::uint16_t float_to_fp16_bits(float f) {
  std::uint32_t u = float_bits(f);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7fffffffu;
  constexpr std::uint32_t kF32Infinity = 255u << 23;
  constexpr std::uint32_t kF16Max = (127u + 16u) << 23;  // 2^16: everything at or above rounds to inf
  constexpr std::uint32_t kSmallestNormal = 113u << 23;  // 2^-14
  constexpr std::uint32_t kDenormMagic = ((127u - 15u) + (23u - 10u) + 1u) << 23;  // 0.5f
  std::uint32_t out;
  if (u >= kF16Max) {
    out = u > kF32Infinity ? 0x7e00u : 0x7c00u;
  } else if (u < kSmallestNormal) {
    // Adding 0.5 aligns the value so that the float adder's own RNE rounds to a multiple of 2^-24.
    out = float_bits(bits_float(u) + bits_float(kDenormMagic)) - kDenormMagic;
  } else {
    const std::uint32_t mantissa_odd = (u >> 13) & 1u;
    u += (static_cast<std::uint32_t>(15 - 127) << 23) + 0xfffu;  // rebias the exponent, round half down
    u += mantissa_odd;                                           // ...and ties to even
    out = u >> 13;
  }
  return static_cast<std::uint16_t>(out | sign);
}

ZL_HOST_DEVICE float fp16_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24 is exact in fp32.
    return bits_float(sign | float_bits(static_cast<float>(mantissa) * 5.9604644775390625e-8f));
  }
  if (exponent == 31) {
    return bits_float(sign | 0x7f800000u | (mantissa << 13));
  }
  return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

}  // namespace zl::kernels::math
