// CUDA twin of kernels/cpu/scale.cc: x *= factor, one IEEE multiply per element (identical bits).
#include "elementwise.cuh"
#include "zl/kernels/scale.h"

namespace zl::kernels::cuda {
namespace {

struct Scale {
  float* x;
  float factor;
  __device__ void scalar(std::size_t i) const { x[i] *= factor; }
  __device__ void vec4(std::size_t i) const {
    const float4 v = load4(x + i);
    store4(x + i, make_float4(v.x * factor, v.y * factor, v.z * factor, v.w * factor));
  }
};

}  // namespace

void scale(float* x, std::size_t n, float factor) { launch_elementwise(Scale{x, factor}, n, all_aligned16(x)); }

}  // namespace zl::kernels::cuda
