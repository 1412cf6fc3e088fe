// adamw: the Adam family of optimizer steps over flat fp32 buffers (math/optimizer_math.h): AdamW
// (decoupled weight decay) and Adam with L2 regularization. SGD with momentum is in sgd.h.
// `step` counts optimizer steps from 1 (bias correction 1 - beta^step). All buffers have n elements and
// are updated in place.
//
// adamw_step_multi applies adamw_step to a list of tensors with one set of hyperparameters (one ZeRO
// shard holds many parameters): the CPU twin loops the single-tensor form, the CUDA twin updates up to
// kAdamMultiMaxTensors tensors per kernel launch. Results equal adamw_step on each tensor bit for bit.
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers (including those in
// AdamTensor) are device pointers and the work is queued on the calling thread's current stream
// (zl/kernels/cuda_stream.h). The AdamTensor array itself lives in host memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zl::kernels {

struct AdamHyper {
  float lr = 1e-3F;
  float beta1 = 0.9F;
  float beta2 = 0.999F;
  float eps = 1e-8F;
  float weight_decay = 0.0F;
  std::int64_t step = 1;
  bool bias_correction = true;  // false: the moments are used as they are (FusedAdam bias_correction=False)
};

// One tensor of a multi-tensor step: param, grad, m and v all hold n elements.
struct AdamTensor {
  float* param = nullptr;
  const float* grad = nullptr;
  float* m = nullptr;
  float* v = nullptr;
  std::size_t n = 0;
};

inline constexpr std::size_t kAdamMultiMaxTensors = 64;  // per CUDA launch (kernel-argument space)

namespace cpu {
using kernels::AdamHyper;
using kernels::AdamTensor;
// Decoupled weight decay (torch.optim.AdamW).
void adamw_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h);
// L2 weight decay added to the gradient (torch.optim.Adam).
void adam_l2_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h);
// adamw_step over `count` tensors.
void adamw_step_multi(const AdamTensor* tensors, std::size_t count, const AdamHyper& h);
}  // namespace cpu

namespace cuda {
using kernels::AdamHyper;
using kernels::AdamTensor;
void adamw_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h);
void adam_l2_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h);
void adamw_step_multi(const AdamTensor* tensors, std::size_t count, const AdamHyper& h);
}  // namespace cuda

}  // namespace zl::kernels
