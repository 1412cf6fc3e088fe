// CUDA twin of kernels/cpu/gelu.cc: element-wise GELU forward and backward through the shared
// math/gelu_math.h (compiled with --fmad=false), so both twins produce the same bits.
#include "elementwise.cuh"
#include "zl/kernels/gelu.h"
#include "zl/kernels/math/gelu_math.h"

namespace zl::kernels::cuda {
namespace {

struct GeluForward {
  float* out;
  const float* inp;
  __device__ void scalar(std::size_t i) const { out[i] = math::gelu(inp[i]); }
  __device__ void vec4(std::size_t i) const {
    const float4 x = load4(inp + i);
    store4(out + i, make_float4(math::gelu(x.x), math::gelu(x.y), math::gelu(x.z), math::gelu(x.w)));
  }
};

struct GeluBackward {
  float* dinp;
  const float* inp;
  const float* dout;
  __device__ void scalar(std::size_t i) const { dinp[i] += math::gelu_grad(inp[i]) * dout[i]; }
  __device__ void vec4(std::size_t i) const {
    const float4 x = load4(inp + i);
    const float4 d = load4(dout + i);
    float4 g = load4(dinp + i);
    g.x += math::gelu_grad(x.x) * d.x;
    g.y += math::gelu_grad(x.y) * d.y;
    g.z += math::gelu_grad(x.z) * d.z;
    g.w += math::gelu_grad(x.w) * d.w;
    store4(dinp + i, g);
  }
};

}  // namespace

void gelu_forward(float* out, const float* inp, std::size_t n) {
  launch_elementwise(GeluForward{out, inp}, n, all_aligned16(out, inp));
}

void gelu_backward(float* dinp, const float* inp, const float* dout, std::size_t n) {
  launch_elementwise(GeluBackward{dinp, inp, dout}, n, all_aligned16(dinp, inp, dout));
}

}  // namespace zl::kernels::cuda
