// sgd: SGD with momentum over flat buffers (zl/kernels/sgd.h, math/optimizer_math.h).
#include "zl/kernels/sgd.h"

#include "zl/kernels/math/optimizer_math.h"

namespace zl::kernels::cpu {

void sgd_momentum_step(float* __restrict param, const float* __restrict grad, float* __restrict momentum_buffer,
                       std::size_t n, float lr, float momentum, float weight_decay) {
  for (std::size_t i = 0; i < n; ++i) {
    math::sgd_momentum_update(param[i], grad[i], momentum_buffer[i], lr, momentum, weight_decay);
  }
}

}  // namespace zl::kernels::cpu
