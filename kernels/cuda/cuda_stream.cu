// Per-thread current stream for kernels/cuda ops (see zl/kernels/cuda_stream.h).
#include "zl/kernels/cuda_stream.h"

#include "cuda_check.cuh"

namespace zl::kernels::cuda {
namespace {
thread_local void* g_current_stream = nullptr;
}  // namespace

void set_current_stream(void* stream) { g_current_stream = stream; }
void* current_stream() { return g_current_stream; }

void* create_stream() {
  cudaStream_t stream = nullptr;
  ZL_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return stream;
}

void destroy_stream(void* stream) {
  if (stream == nullptr) return;
  cudaStreamSynchronize(static_cast<cudaStream_t>(stream));  // its work completes first; no throw
  cudaStreamDestroy(static_cast<cudaStream_t>(stream));
}

}  // namespace zl::kernels::cuda
