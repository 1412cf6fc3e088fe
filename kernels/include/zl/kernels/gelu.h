// gelu: GPT-2's tanh-approximated GELU, element-wise (math/gelu_math.h).
// Backward ACCUMULATES: dinp += gelu'(inp) * dout.
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h).
#pragma once

#include <cstddef>

namespace zl::kernels {

namespace cpu {
void gelu_forward(float* out, const float* inp, std::size_t n);
void gelu_backward(float* dinp, const float* inp, const float* dout, std::size_t n);
}  // namespace cpu

namespace cuda {
void gelu_forward(float* out, const float* inp, std::size_t n);
void gelu_backward(float* dinp, const float* inp, const float* dout, std::size_t n);
}  // namespace cuda

}  // namespace zl::kernels
