// cross_entropy: fused softmax + negative log-likelihood, forward and backward
// (zl/kernels/cross_entropy.h). The log-probability of the target is taken from the max-shifted logits
// (log-sum-exp), so the loss stays finite even when the target's probability underflows. The row's
// normalizer is accumulated in double: a sequential float sum over a GPT-2 vocabulary (50257 terms)
// drifts by ~5e-5 relative, which would show in every probability.
#include "zl/kernels/cross_entropy.h"

#include <cmath>
#include <cstddef>

#include "zl/kernels/math/exp_math.h"
#include "zl/kernels/simd_clones.h"

namespace zl::kernels::cpu {

ZL_SIMD_CLONES double cross_entropy_forward(float* probs, float* losses, const float* logits,
                                            const std::int32_t* targets, int N, int V) {
  double total = 0.0;
  for (int n = 0; n < N; ++n) {
    const float* x = logits + static_cast<std::size_t>(n) * V;
    float* p = probs + static_cast<std::size_t>(n) * V;
    float maxval = x[0];
    for (int i = 1; i < V; ++i) maxval = x[i] > maxval ? x[i] : maxval;
    const float target_logit = x[targets[n]];  // read before an in-place overwrite
    double sum = 0.0;
    for (int i = 0; i < V; ++i) {
      p[i] = math::fast_exp(x[i] - maxval);
      sum += p[i];
    }
    const auto inv = static_cast<float>(1.0 / sum);
    for (int i = 0; i < V; ++i) p[i] *= inv;
    const float loss = static_cast<float>(std::log(sum)) - (target_logit - maxval);
    losses[n] = loss;
    total += loss;
  }
  return total;
}

ZL_SIMD_CLONES void cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets, float dloss,
                                           int N, int V) {
  for (int n = 0; n < N; ++n) {
    const float* p = probs + static_cast<std::size_t>(n) * V;
    float* d = dlogits + static_cast<std::size_t>(n) * V;
    for (int i = 0; i < V; ++i) d[i] = dloss * p[i];
    d[targets[n]] -= dloss;
  }
}

}  // namespace zl::kernels::cpu
