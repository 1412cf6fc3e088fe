// GELU, tanh form (GPT-2's "gelu_new"): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), and its
// derivative. Shared by kernels/cpu/gelu.cc and kernels/cuda/gelu.cu.
#pragma once

#include "zl/kernels/host_device.h"
#include "zl/kernels/math/exp_math.h"

namespace zl::kernels::math {

inline constexpr float kGeluScale = 0.7978845608028654F;  // sqrt(2 / pi)
inline constexpr float kGeluCubic = 0.044715F;

ZL_HOST_DEVICE float gelu(float x) {
  const float u = kGeluScale * (x + kGeluCubic * x * x * x);
  return 0.5F * x * (1.0F + fast_tanh(u));
}

ZL_HOST_DEVICE float gelu_grad(float x) {
  const float u = kGeluScale * (x + kGeluCubic * x * x * x);
  const float t = fast_tanh(u);
  const float du = kGeluScale * (1.0F + 3.0F * kGeluCubic * x * x);
  return 0.5F * (1.0F + t) + 0.5F * x * (1.0F - t * t) * du;
}

}  // namespace zl::kernels::math
