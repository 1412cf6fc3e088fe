// A branch-free single-precision exp (and tanh built on it) that compilers vectorize, shared by the
// CPU kernels and their CUDA twins so that softmax and GELU agree on both.
//
// Accuracy: relative error below 2e-7 (about 2 ulp) on [-87, 88]; inputs are clamped to that range, so
// exp(-inf) is 0 (well, 1.7e-38 rounded by the caller's arithmetic) and exp(+large) is finite (about
// 1.65e38) — softmax and tanh never see inf. NaN inputs propagate.
#pragma once

#include <cstdint>
#include <cstring>

#include "zl/kernels/host_device.h"

namespace zl::kernels::math {

ZL_HOST_DEVICE float fast_exp(float x) {
  // exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n ln2 (Cody-Waite, two-part ln2).
  x = x > 88.0F ? 88.0F : x;
  x = x < -87.0F ? -87.0F : x;
  // Round to nearest by the 1.5 * 2^23 trick: branch-free and vectorizable even without SSE4.1's roundps.
  constexpr float kRound = 12582912.0F;
  const float n = (x * 1.44269504088896341F + kRound) - kRound;
  float r = x - n * 0.693359375F;
  r = r - n * -2.12194440e-4F;
  // Minimax polynomial for exp(r) on [-ln2/2, ln2/2] (as in Cephes expf).
  float p = 1.9875691500e-4F;
  p = p * r + 1.3981999507e-3F;
  p = p * r + 8.3334519073e-3F;
  p = p * r + 4.1665795894e-2F;
  p = p * r + 1.6666665459e-1F;
  p = p * r + 5.0000001201e-1F;
  p = p * r * r + r + 1.0F;
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits +-1 for large |x| because fast_exp clamps.
ZL_HOST_DEVICE float fast_tanh(float x) { return 1.0F - 2.0F / (fast_exp(2.0F * x) + 1.0F); }

}  // namespace zl::kernels::math
