// The CUDA stream that kernels/cuda ops of the calling thread are queued on. Held as an opaque pointer
// (a cudaStream_t) so that host code can pass streams around without CUDA headers. nullptr is the
// legacy default stream. Thread-local: the compute thread and the communication thread each keep
// their own.
#pragma once

namespace zl::kernels::cuda {

void set_current_stream(void* stream);
void* current_stream();

// A stream that does not synchronize with the legacy default stream (cudaStreamNonBlocking), and its
// release. Only built with CUDA.
void* create_stream();
void destroy_stream(void* stream);  // waits for its work first; never throws

}  // namespace zl::kernels::cuda
