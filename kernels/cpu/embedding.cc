// embedding: token + position embedding, forward and backward (zl/kernels/embedding.h).
#include "zl/kernels/embedding.h"

#include <cstddef>

#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES void embedding_forward(float* out, const std::int32_t* tokens, const float* wte, const float* wpe, int B,
                                      int T, int C) {
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      float* __restrict o = out + (static_cast<std::size_t>(b) * T + t) * C;
      const float* __restrict w = wte + static_cast<std::size_t>(tokens[b * T + t]) * C;
      const float* __restrict p = wpe + static_cast<std::size_t>(t) * C;
      for (int i = 0; i < C; ++i) o[i] = w[i] + p[i];
    }
  }
}

ZL_SIMD_CLONES void embedding_backward(float* dwte, float* dwpe, const float* dout, const std::int32_t* tokens, int B,
                                       int T, int C) {
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      const float* __restrict d = dout + (static_cast<std::size_t>(b) * T + t) * C;
      float* __restrict w = dwte + static_cast<std::size_t>(tokens[b * T + t]) * C;
      float* __restrict p = dwpe + static_cast<std::size_t>(t) * C;
      for (int i = 0; i < C; ++i) {
        w[i] += d[i];
        p[i] += d[i];
      }
    }
  }
}

}  // namespace zl::kernels::cpu
