// residual: element-wise sum forward and backward (zl/kernels/residual.h).
#include "zl/kernels/residual.h"

#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES void residual_forward(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

ZL_SIMD_CLONES void residual_backward(float* da, float* db, const float* dout, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) da[i] += dout[i];
  for (std::size_t i = 0; i < n; ++i) db[i] += dout[i];
}

}  // namespace zl::kernels::cpu
