// CUDA twin of kernels/cpu/sgd.cc: SGD with momentum through the shared math/optimizer_math.h
// (compiled with --fmad=false), so both twins produce the same bits.
#include "elementwise.cuh"
#include "zl/kernels/math/optimizer_math.h"
#include "zl/kernels/sgd.h"

namespace zl::kernels::cuda {
namespace {

struct SgdMomentum {
  float* param;
  const float* grad;
  float* buf;
  float lr;
  float momentum;
  float weight_decay;
  __device__ void scalar(std::size_t i) const {
    math::sgd_momentum_update(param[i], grad[i], buf[i], lr, momentum, weight_decay);
  }
  __device__ void vec4(std::size_t i) const {
    float4 p = load4(param + i);
    float4 b = load4(buf + i);
    const float4 g = load4(grad + i);
    math::sgd_momentum_update(p.x, g.x, b.x, lr, momentum, weight_decay);
    math::sgd_momentum_update(p.y, g.y, b.y, lr, momentum, weight_decay);
    math::sgd_momentum_update(p.z, g.z, b.z, lr, momentum, weight_decay);
    math::sgd_momentum_update(p.w, g.w, b.w, lr, momentum, weight_decay);
    store4(param + i, p);
    store4(buf + i, b);
  }
};

}  // namespace

void sgd_momentum_step(float* param, const float* grad, float* momentum_buffer, std::size_t n, float lr, float momentum,
                       float weight_decay) {
  launch_elementwise(SgdMomentum{param, grad, momentum_buffer, lr, momentum, weight_decay}, n,
                     all_aligned16(param, grad, momentum_buffer));
}

}  // namespace zl::kernels::cuda
