// Checked CUDA calls for kernels/cuda: every runtime call and every kernel launch is verified, and a
// failure throws zl::Error naming file:line (and the rank, when known) and CUDA's message.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "zl/base/check.h"
#include "zl/base/error.h"

#define ZL_CUDA_CHECK(expr)                                                                              \
  do {                                                                                                   \
    const cudaError_t zl_cuda_status_ = (expr);                                                          \
    if (zl_cuda_status_ != cudaSuccess) {                                                                \
      throw ::zl::Error(::zl::detail::source_location(__FILE__, __LINE__) + ": " #expr ": " +            \
                        cudaGetErrorName(zl_cuda_status_) + ": " + cudaGetErrorString(zl_cuda_status_)); \
    }                                                                                                    \
  } while (0)

// After every <<<...>>>: a launch configuration error surfaces here, at its own line.
#define ZL_CUDA_CHECK_LAUNCH() ZL_CUDA_CHECK(cudaGetLastError())

namespace zl::kernels::cuda {

// Blocks for a grid-stride loop over n elements: enough to fill the GPU, never zero.
inline unsigned int blocks_for(std::size_t n, unsigned int threads) {
  const std::size_t wanted = (n + threads - 1) / threads;
  const std::size_t capped = wanted < 65535 ? wanted : 65535;
  return static_cast<unsigned int>(capped == 0 ? 1 : capped);
}

}  // namespace zl::kernels::cuda
