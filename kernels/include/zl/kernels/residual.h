// residual: out = a + b element-wise. Backward ACCUMULATES dout into both da and db (which may alias).
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h).
#pragma once

#include <cstddef>

namespace zl::kernels {

namespace cpu {
void residual_forward(float* out, const float* a, const float* b, std::size_t n);
void residual_backward(float* da, float* db, const float* dout, std::size_t n);
}  // namespace cpu

namespace cuda {
void residual_forward(float* out, const float* a, const float* b, std::size_t n);
void residual_backward(float* da, float* db, const float* dout, std::size_t n);
}  // namespace cuda

}  // namespace zl::kernels
