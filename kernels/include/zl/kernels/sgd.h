// sgd: torch.optim.SGD with momentum (dampening 0, not Nesterov) and L2 weight decay over flat fp32
// buffers (math/optimizer_math.h); momentum_buffer starts at zero and is updated in place.
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h).
#pragma once

#include <cstddef>

namespace zl::kernels {

namespace cpu {
void sgd_momentum_step(float* param, const float* grad, float* momentum_buffer, std::size_t n, float lr, float momentum,
                       float weight_decay);
}  // namespace cpu

namespace cuda {
void sgd_momentum_step(float* param, const float* grad, float* momentum_buffer, std::size_t n, float lr, float momentum,
                       float weight_decay);
}  // namespace cuda

}  // namespace zl::kernels
