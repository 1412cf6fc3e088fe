// Per-element optimizer updates, PyTorch/DeepSpeed semantics, shared by kernels/cpu/{adamw,sgd}.cc and
// their CUDA twins kernels/cuda/{adamw,sgd}.cu. `bias_correction1/2` are 1 - beta^step, computed once per step by the
// caller (step counts from 1).
#pragma once

#include <cmath>
#include <cstdint>

#include "zl/kernels/host_device.h"

namespace zl::kernels::math {

// Host only (once per step, in double like torch): 1 - beta1^step and sqrt(1 - beta2^step), rounded to
// float. Both twins pass these very values to the per-element updates below.
struct AdamCorrections {
  float bias_correction1;
  float bias_correction2_sqrt;
};

// Without bias correction both are 1 (DeepSpeed FusedAdam / CPUAdam bias_correction=False).
inline AdamCorrections adam_corrections(float beta1, float beta2, std::int64_t step, bool bias_correction = true) {
  if (!bias_correction) return {1.0F, 1.0F};
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  return {static_cast<float>(bc1), static_cast<float>(std::sqrt(bc2))};
}

// AdamW (torch.optim.AdamW, DeepSpeed FusedAdam adam_w_mode=True): decoupled weight decay
// p -= lr * wd * p, then the Adam step on the raw gradient.
ZL_HOST_DEVICE void adamw_update(float& p, float g, float& m, float& v, float lr, float beta1, float beta2, float eps,
                                 float weight_decay, float bias_correction1, float bias_correction2_sqrt) {
  p -= lr * weight_decay * p;
  m = beta1 * m + (1.0F - beta1) * g;
  v = beta2 * v + (1.0F - beta2) * g * g;
  const float denom = sqrtf(v) / bias_correction2_sqrt + eps;
  p -= (lr / bias_correction1) * m / denom;
}

// Adam with L2 regularization (torch.optim.Adam, FusedAdam adam_w_mode=False): g += wd * p first.
ZL_HOST_DEVICE void adam_l2_update(float& p, float g, float& m, float& v, float lr, float beta1, float beta2, float eps,
                                   float weight_decay, float bias_correction1, float bias_correction2_sqrt) {
  g += weight_decay * p;
  m = beta1 * m + (1.0F - beta1) * g;
  v = beta2 * v + (1.0F - beta2) * g * g;
  const float denom = sqrtf(v) / bias_correction2_sqrt + eps;
  p -= (lr / bias_correction1) * m / denom;
}

// SGD with momentum (torch.optim.SGD, dampening 0, not Nesterov): g += wd * p; buf = momentum * buf + g
// (buf starts at 0, so the first step's buf is g, as in torch); p -= lr * buf.
ZL_HOST_DEVICE void sgd_momentum_update(float& p, float g, float& buf, float lr, float momentum, float weight_decay) {
  g += weight_decay * p;
  buf = momentum * buf + g;
  p -= lr * buf;
}

}  // namespace zl::kernels::math
