// l2_norm: sum of squares in double (zl/kernels/l2_norm.h); four partial sums keep it vectorizable.
#include "zl/kernels/l2_norm.h"

namespace zl::kernels::cpu {

double squared_l2_norm(const float* x, std::size_t n) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) s[j] += static_cast<double>(x[i + j]) * x[i + j];
  }
  for (; i < n; ++i) s[0] += static_cast<double>(x[i]) * x[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

}  // namespace zl::kernels::cpu
