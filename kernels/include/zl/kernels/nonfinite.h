// nonfinite: whether a flat buffer holds any NaN or +-inf (fp16 overflow detection, skipped steps).
//
// The cpu:: and cuda:: twins have the same names and parameters; the cuda:: pointer is a device pointer.
// cuda::has_nonfinite returns a host value: it queues the scan on the calling thread's current stream,
// copies the flag back and synchronizes that stream.
#pragma once

#include <cstddef>

namespace zl::kernels {

namespace cpu {
bool has_nonfinite(const float* x, std::size_t n);
}  // namespace cpu

namespace cuda {
bool has_nonfinite(const float* x, std::size_t n);
}  // namespace cuda

}  // namespace zl::kernels
