// scale: x *= factor over a flat buffer (gradient averaging, clipping, undoing a loss scale).
//
// The cpu:: and cuda:: twins have the same names and parameters; the cuda:: pointer is a device pointer
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h).
#pragma once

#include <cstddef>

namespace zl::kernels {

namespace cpu {
void scale(float* x, std::size_t n, float factor);
}  // namespace cpu

namespace cuda {
void scale(float* x, std::size_t n, float factor);
}  // namespace cuda

}  // namespace zl::kernels
