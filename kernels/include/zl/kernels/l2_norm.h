// l2_norm: the sum of squares of a flat buffer, accumulated in double (global gradient norm for clipping;
// partial sums from shards add up to the same value to rounding).
//
// The cpu:: and cuda:: twins have the same names and parameters; the cuda:: pointer is a device pointer.
// cuda::squared_l2_norm returns a host value: it queues a two-pass reduction with a fixed grid on the
// calling thread's current stream (so the result depends only on n, never on the GPU), copies the
// double back and synchronizes that stream.
#pragma once

#include <cstddef>

namespace zl::kernels {

namespace cpu {
double squared_l2_norm(const float* x, std::size_t n);
}  // namespace cpu

namespace cuda {
double squared_l2_norm(const float* x, std::size_t n);
}  // namespace cuda

}  // namespace zl::kernels
