// layernorm over the last dimension, eps 1e-5 (GPT-2, torch.nn.LayerNorm default).
//   out = (x - mean) * rstd * weight + bias,  rstd = 1 / sqrt(var + eps), var biased (divide by C)
// Shapes: inp/out [N,C], weight/bias [C], mean/rstd [N] (saved for backward).
// Backward ACCUMULATES into dinp, dweight, dbias.
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h). The
// per-element formulas are shared (math/layernorm_math.h); the row sums differ in order.
#pragma once

#include "zl/kernels/math/layernorm_math.h"

namespace zl::kernels {

namespace cpu {
using math::kLayerNormEps;
void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight, const float* bias,
                       int N, int C);
void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int N, int C);
}  // namespace cpu

namespace cuda {
using math::kLayerNormEps;
void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight, const float* bias,
                       int N, int C);
void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int N, int C);
}  // namespace cuda

}  // namespace zl::kernels
