// Per-thread current stream for kernels/cuda ops (see zl/kernels/cuda_stream.h).
#include "zl/kernels/cuda_stream.h"

namespace zl::kernels::cuda {
namespace {
thread_local void* g_current_stream = nullptr;
}  // namespace

void set_current_stream(void* stream) { g_current_stream = stream; }
void* current_stream() { return g_current_stream; }

}  // namespace zl::kernels::cuda
