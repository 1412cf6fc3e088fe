// adamw: AdamW and Adam-with-L2 steps over flat buffers (zl/kernels/adamw.h, math/optimizer_math.h).
#include "zl/kernels/adamw.h"

#include "zl/kernels/math/optimizer_math.h"
#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES void adamw_step(float* __restrict param, const float* __restrict grad, float* __restrict m,
                               float* __restrict v, std::size_t n, const AdamHyper& h) {
  const math::AdamCorrections c = math::adam_corrections(h.beta1, h.beta2, h.step);
  for (std::size_t i = 0; i < n; ++i) {
    math::adamw_update(param[i], grad[i], m[i], v[i], h.lr, h.beta1, h.beta2, h.eps, h.weight_decay,
                       c.bias_correction1, c.bias_correction2_sqrt);
  }
}

ZL_SIMD_CLONES void adam_l2_step(float* __restrict param, const float* __restrict grad, float* __restrict m,
                                 float* __restrict v, std::size_t n, const AdamHyper& h) {
  const math::AdamCorrections c = math::adam_corrections(h.beta1, h.beta2, h.step);
  for (std::size_t i = 0; i < n; ++i) {
    math::adam_l2_update(param[i], grad[i], m[i], v[i], h.lr, h.beta1, h.beta2, h.eps, h.weight_decay,
                         c.bias_correction1, c.bias_correction2_sqrt);
  }
}

void adamw_step_multi(const AdamTensor* tensors, std::size_t count, const AdamHyper& h) {
  for (std::size_t t = 0; t < count; ++t) {
    adamw_step(tensors[t].param, tensors[t].grad, tensors[t].m, tensors[t].v, tensors[t].n, h);
  }
}

}  // namespace zl::kernels::cpu
