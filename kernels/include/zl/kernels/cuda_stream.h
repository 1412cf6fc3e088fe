// The CUDA stream that kernels/cuda ops of the calling thread are queued on. Held as an opaque pointer
// (a cudaStream_t) so that host code can pass streams around without CUDA headers. nullptr is the
// legacy default stream. Thread-local: the compute thread and the communication thread each keep
// their own.
#pragma once

namespace zl::kernels::cuda {

void set_current_stream(void* stream);
void* current_stream();

}  // namespace zl::kernels::cuda
