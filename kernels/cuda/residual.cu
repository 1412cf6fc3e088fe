// CUDA twin of kernels/cpu/residual.cc: out = a + b, and the gradient accumulated into both inputs.
// One IEEE add per element on both twins: identical bits. da and db may alias (both += dout, in the
// CPU's order: da first), so the backward pointers are not __restrict__.
#include "elementwise.cuh"
#include "zl/kernels/residual.h"

namespace zl::kernels::cuda {
namespace {

struct ResidualForward {
  float* out;
  const float* a;
  const float* b;
  __device__ void scalar(std::size_t i) const { out[i] = a[i] + b[i]; }
  __device__ void vec4(std::size_t i) const {
    const float4 x = load4(a + i);
    const float4 y = load4(b + i);
    store4(out + i, make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w));
  }
};

struct ResidualBackward {
  float* da;
  float* db;
  const float* dout;
  __device__ void scalar(std::size_t i) const {
    const float d = dout[i];
    da[i] += d;
    db[i] += d;
  }
  __device__ void vec4(std::size_t i) const {
    const float4 d = load4(dout + i);
    float4 x = load4(da + i);
    store4(da + i, make_float4(x.x + d.x, x.y + d.y, x.z + d.z, x.w + d.w));
    x = load4(db + i);  // after the store: sees it when db aliases da
    store4(db + i, make_float4(x.x + d.x, x.y + d.y, x.z + d.z, x.w + d.w));
  }
};

}  // namespace

void residual_forward(float* out, const float* a, const float* b, std::size_t n) {
  launch_elementwise(ResidualForward{out, a, b}, n, all_aligned16(out, a, b));
}

void residual_backward(float* da, float* db, const float* dout, std::size_t n) {
  launch_elementwise(ResidualBackward{da, db, dout}, n, all_aligned16(da, db, dout));
}

}  // namespace zl::kernels::cuda
