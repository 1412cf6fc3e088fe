// matmul: a linear layer through sgemm, weight laid out as torch.nn.Linear ([OC, C]).
//   out[N,OC] = inp[N,C] @ weight[OC,C]^T + bias[OC]      (bias may be null)
// Backward ACCUMULATES: dinp += dout @ weight, dweight += dout^T @ inp, dbias += sum over rows of dout;
// any of dinp, dweight, dbias may be null to skip it.
//
// The cpu:: and cuda:: twins have the same names and parameters: OpenBLAS cblas_sgemm on the CPU,
// cuBLAS sgemm (fp32 arithmetic, TF32 off) on the GPU with the same row-major operands and transposes.
// cuda:: pointers are device pointers and the work is queued on the calling thread's current stream
// (zl/kernels/cuda_stream.h).
#pragma once

namespace zl::kernels {

namespace cpu {
void matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int N, int C, int OC);
void matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, int N, int C, int OC);
}  // namespace cpu

namespace cuda {
void matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int N, int C, int OC);
void matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, int N, int C, int OC);
}  // namespace cuda

}  // namespace zl::kernels
