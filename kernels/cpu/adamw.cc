// adamw: AdamW and Adam-with-L2 steps over flat buffers (zl/kernels/adamw.h, math/optimizer_math.h).
// Each step splits its buffer into contiguous chunks over optimizer_threads() threads
// (optimizer_threads.h); each chunk runs a ZL_SIMD_CLONES loop (AVX-512, AVX2 or baseline, picked at
// load time) over the shared per-element math, so every element gets the scalar formula's bits
// whatever the ISA, thread count or chunking.
#include "zl/kernels/adamw.h"

#include "zl/kernels/math/optimizer_math.h"
#include "zl/kernels/optimizer_threads.h"
#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {
namespace {

// The per-step scalars, passed by value: read through `const AdamHyper&` inside the loop, GCC cannot
// prove that the stores to param/m/v leave them unchanged, reloads them every element and does not
// vectorize the loop at all (seen in objdump: scalar vmulss/vdivss in every clone).
struct AdamScalars {
  float lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2_sqrt;
};

AdamScalars scalars(const AdamHyper& h) {
  const math::AdamCorrections c = math::adam_corrections(h.beta1, h.beta2, h.step, h.bias_correction);
  return {h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, c.bias_correction1, c.bias_correction2_sqrt};
}

ZL_SIMD_CLONES void adamw_range(float* __restrict param, const float* __restrict grad, float* __restrict m,
                                float* __restrict v, std::size_t n, AdamScalars s) {
  const float lr = s.lr, beta1 = s.beta1, beta2 = s.beta2, eps = s.eps, wd = s.weight_decay;
  const float bc1 = s.bias_correction1, bc2_sqrt = s.bias_correction2_sqrt;
  for (std::size_t i = 0; i < n; ++i) {
    math::adamw_update(param[i], grad[i], m[i], v[i], lr, beta1, beta2, eps, wd, bc1, bc2_sqrt);
  }
}

ZL_SIMD_CLONES void adam_l2_range(float* __restrict param, const float* __restrict grad, float* __restrict m,
                                  float* __restrict v, std::size_t n, AdamScalars s) {
  const float lr = s.lr, beta1 = s.beta1, beta2 = s.beta2, eps = s.eps, wd = s.weight_decay;
  const float bc1 = s.bias_correction1, bc2_sqrt = s.bias_correction2_sqrt;
  for (std::size_t i = 0; i < n; ++i) {
    math::adam_l2_update(param[i], grad[i], m[i], v[i], lr, beta1, beta2, eps, wd, bc1, bc2_sqrt);
  }
}

}  // namespace

void adamw_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h) {
  const AdamScalars s = scalars(h);
  for_each_chunk(n, optimizer_threads(), kOptimizerMinChunk,
                 [&](std::size_t b, std::size_t e) { adamw_range(param + b, grad + b, m + b, v + b, e - b, s); });
}

void adam_l2_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h) {
  const AdamScalars s = scalars(h);
  for_each_chunk(n, optimizer_threads(), kOptimizerMinChunk,
                 [&](std::size_t b, std::size_t e) { adam_l2_range(param + b, grad + b, m + b, v + b, e - b, s); });
}

void adamw_step_multi(const AdamTensor* tensors, std::size_t count, const AdamHyper& h) {
  for (std::size_t t = 0; t < count; ++t) {
    adamw_step(tensors[t].param, tensors[t].grad, tensors[t].m, tensors[t].v, tensors[t].n, h);
  }
}

}  // namespace zl::kernels::cpu
