// layernorm: forward and backward over the last dimension (zl/kernels/layernorm.h), as llm.c's
// layernorm_forward/backward: statistics in float with a two-pass variance; the per-element formulas are
// shared with the CUDA twin (math/layernorm_math.h).
#include "zl/kernels/layernorm.h"

#include <cstddef>

#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                                      const float* bias, int N, int C) {
  for (int n = 0; n < N; ++n) {
    const float* __restrict x = inp + static_cast<std::size_t>(n) * C;
    float* __restrict o = out + static_cast<std::size_t>(n) * C;
    float sum = 0.0F;
    for (int i = 0; i < C; ++i) sum += x[i];
    const float m = sum / static_cast<float>(C);
    float var = 0.0F;
    for (int i = 0; i < C; ++i) {
      const float d = x[i] - m;
      var += d * d;
    }
    const float s = math::layernorm_rstd(var, C);
    for (int i = 0; i < C; ++i) o[i] = math::layernorm_output(x[i], m, s, weight[i], bias[i]);
    mean[n] = m;
    rstd[n] = s;
  }
}

ZL_SIMD_CLONES void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                                       const float* weight, const float* mean, const float* rstd, int N, int C) {
  for (int n = 0; n < N; ++n) {
    const float* __restrict x = inp + static_cast<std::size_t>(n) * C;
    const float* __restrict d = dout + static_cast<std::size_t>(n) * C;
    float* __restrict dx = dinp + static_cast<std::size_t>(n) * C;
    const float m = mean[n];
    const float s = rstd[n];
    // dnorm = d * weight; dx = s * (dnorm - mean(dnorm) - norm * mean(dnorm * norm))
    float dnorm_mean = 0.0F;
    float dnorm_norm_mean = 0.0F;
    for (int i = 0; i < C; ++i) {
      const float norm = math::layernorm_norm(x[i], m, s);
      const float dnorm = weight[i] * d[i];
      dnorm_mean += dnorm;
      dnorm_norm_mean += dnorm * norm;
    }
    dnorm_mean /= static_cast<float>(C);
    dnorm_norm_mean /= static_cast<float>(C);
    for (int i = 0; i < C; ++i) {
      const float norm = math::layernorm_norm(x[i], m, s);
      const float dnorm = weight[i] * d[i];
      dbias[i] += d[i];
      dweight[i] += norm * d[i];
      dx[i] += math::layernorm_dinp(dnorm, norm, dnorm_mean, dnorm_norm_mean, s);
    }
  }
}

}  // namespace zl::kernels::cpu
