// embedding: GPT-2's input layer, token embedding plus learned position embedding.
//   out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:]
// Shapes: tokens [B,T] (each in [0, V): the caller validates), wte [V,C], wpe [>=T,C], out [B,T,C].
// Backward ACCUMULATES (+=) into dwte and dwpe, like every backward in zl::kernels.
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// (tokens included) and the work is queued on the calling thread's current stream
// (zl/kernels/cuda_stream.h). The CUDA backward adds in the CPU's (b, t) order, without atomics, so
// both produce the same bits.
#pragma once

#include <cstdint>

namespace zl::kernels {

namespace cpu {
void embedding_forward(float* out, const std::int32_t* tokens, const float* wte, const float* wpe, int B, int T, int C);
void embedding_backward(float* dwte, float* dwpe, const float* dout, const std::int32_t* tokens, int B, int T, int C);
}  // namespace cpu

namespace cuda {
void embedding_forward(float* out, const std::int32_t* tokens, const float* wte, const float* wpe, int B, int T, int C);
void embedding_backward(float* dwte, float* dwpe, const float* dout, const std::int32_t* tokens, int B, int T, int C);
}  // namespace cuda

}  // namespace zl::kernels
