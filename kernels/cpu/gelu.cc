// gelu: tanh-form GELU forward and backward over flat buffers (zl/kernels/gelu.h).
#include "zl/kernels/gelu.h"

#include "zl/kernels/math/gelu_math.h"
#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES void gelu_forward(float* __restrict out, const float* __restrict inp, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = math::gelu(inp[i]);
}

ZL_SIMD_CLONES void gelu_backward(float* __restrict dinp, const float* __restrict inp, const float* __restrict dout,
                                  std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dinp[i] += math::gelu_grad(inp[i]) * dout[i];
}

}  // namespace zl::kernels::cpu
