// attention: causal multi-head self-attention over a fused qkv projection, softmax fused with the mask.
//   qkv [B,T,3C] (q | k | v, head h at columns h*hs..h*hs+hs of each, hs = C/NH)
//   att [B,NH,T,T] saved probabilities (row t: softmax over s <= t of q_t.k_s / sqrt(hs); 0 for s > t)
//   out [B,T,C]   heads concatenated: out[b,t,h*hs+i] = sum_s att[b,h,t,s] v[b,s,h*hs+i]
// Backward ACCUMULATES into dqkv; `scratch` holds T*T floats of working space.
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// (scratch included) and the work is queued on the calling thread's current stream
// (zl/kernels/cuda_stream.h). GEMMs go through OpenBLAS on the CPU and cuBLAS (fp32, no TF32) on the GPU.
#pragma once

namespace zl::kernels {

namespace cpu {
void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH);
void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv, const float* att, int B,
                        int T, int C, int NH);
}  // namespace cpu

namespace cuda {
void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH);
void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv, const float* att, int B,
                        int T, int C, int NH);
}  // namespace cuda

}  // namespace zl::kernels
