// attention: causal self-attention forward and backward (zl/kernels/attention.h). Per (batch, head) the
// products Q K^T, P V and their gradients are sgemm calls on strided views of qkv (leading dimension
// 3C), so no head is ever copied out; only the masked softmax is a loop. The sgemms compute the full
// T x T square (the masked half is multiplied by zeros): cheaper than a triangular loop at these sizes.
#include "zl/kernels/attention.h"

#include <cblas.h>

#include <cmath>
#include <cstddef>

#include "zl/kernels/math/exp_math.h"
#include "zl/kernels/math/softmax_math.h"
#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH) {
  const int hs = C / NH;
  const float scale = 1.0F / std::sqrt(static_cast<float>(hs));
  const int ld = 3 * C;
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < NH; ++h) {
      const float* q = qkv + static_cast<std::size_t>(b) * T * ld + h * hs;
      const float* k = q + C;
      const float* v = q + 2 * C;
      float* p = att + (static_cast<std::size_t>(b) * NH + h) * T * T;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, scale, q, ld, k, ld, 0.0F, p, T);
      for (int t = 0; t < T; ++t) {
        float* __restrict row = p + static_cast<std::size_t>(t) * T;
        float maxval = row[0];
        for (int s = 1; s <= t; ++s) maxval = row[s] > maxval ? row[s] : maxval;
        float sum = 0.0F;
        for (int s = 0; s <= t; ++s) {
          row[s] = math::fast_exp(row[s] - maxval);
          sum += row[s];
        }
        const float inv = 1.0F / sum;
        for (int s = 0; s <= t; ++s) row[s] *= inv;
        for (int s = t + 1; s < T; ++s) row[s] = 0.0F;
      }
      float* y = out + static_cast<std::size_t>(b) * T * C + h * hs;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0F, p, T, v, ld, 0.0F, y, C);
    }
  }
}

ZL_SIMD_CLONES void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                                       const float* att, int B, int T, int C, int NH) {
  const int hs = C / NH;
  const float scale = 1.0F / std::sqrt(static_cast<float>(hs));
  const int ld = 3 * C;
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < NH; ++h) {
      const std::size_t base = static_cast<std::size_t>(b) * T * ld + h * hs;
      const float* q = qkv + base;
      const float* k = q + C;
      const float* v = q + 2 * C;
      float* dq = dqkv + base;
      float* dk = dq + C;
      float* dv = dq + 2 * C;
      const float* p = att + (static_cast<std::size_t>(b) * NH + h) * T * T;
      const float* dy = dout + static_cast<std::size_t>(b) * T * C + h * hs;
      float* dp = scratch;
      // dP = dY V^T;  dV += P^T dY
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0F, dy, C, v, ld, 0.0F, dp, T);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0F, p, T, dy, C, 1.0F, dv, ld);
      // Softmax backward, scale folded in: dS = scale * P * (dP - sum_s P dP); masked entries are 0.
      for (int t = 0; t < T; ++t) {
        const float* __restrict prow = p + static_cast<std::size_t>(t) * T;
        float* __restrict drow = dp + static_cast<std::size_t>(t) * T;
        float dot = 0.0F;
        for (int s = 0; s <= t; ++s) dot += prow[s] * drow[s];
        for (int s = 0; s <= t; ++s) drow[s] = math::softmax_grad(prow[s], drow[s], dot, scale);
        for (int s = t + 1; s < T; ++s) drow[s] = 0.0F;
      }
      // dQ += dS K;  dK += dS^T Q
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0F, dp, T, k, ld, 1.0F, dq, ld);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0F, dp, T, q, ld, 1.0F, dk, ld);
    }
  }
}

}  // namespace zl::kernels::cpu
