// scale: x *= factor (zl/kernels/scale.h).
#include "zl/kernels/scale.h"

namespace zl::kernels::cpu {

void scale(float* x, std::size_t n, float factor) {
  for (std::size_t i = 0; i < n; ++i) x[i] *= factor;
}

}  // namespace zl::kernels::cpu
