// Per-element layernorm formulas shared by kernels/cpu/layernorm.cc and kernels/cuda/layernorm.cu, so
// that given the same row statistics both produce the same bits. The row sums themselves (mean,
// variance, the two backward means) are reductions whose order differs between the twins.
#pragma once

#include <cmath>

#include "zl/kernels/host_device.h"

namespace zl::kernels::math {

inline constexpr float kLayerNormEps = 1e-5F;

// 1 / sqrt(var + eps) from the sum of squared deviations over C channels (biased variance).
ZL_HOST_DEVICE float layernorm_rstd(float squared_deviation_sum, int C) {
  return 1.0F / sqrtf(squared_deviation_sum / static_cast<float>(C) + kLayerNormEps);
}

// The normalized value before the affine transform.
ZL_HOST_DEVICE float layernorm_norm(float x, float mean, float rstd) { return (x - mean) * rstd; }

ZL_HOST_DEVICE float layernorm_output(float x, float mean, float rstd, float weight, float bias) {
  return layernorm_norm(x, mean, rstd) * weight + bias;
}

// d loss / d x for one element: rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)).
ZL_HOST_DEVICE float layernorm_dinp(float dnorm, float norm, float dnorm_mean, float dnorm_norm_mean, float rstd) {
  return rstd * (dnorm - dnorm_mean - norm * dnorm_norm_mean);
}

}  // namespace zl::kernels::math
