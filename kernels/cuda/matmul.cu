// CUDA twin of kernels/cpu/matmul.cc: the same row-major sgemm calls (cublas_gemm.cuh: fp32, no TF32)
// and the bias handled as on the CPU (forward: out starts as the broadcast bias, then beta = 1;
// backward: one thread per output column adding over the rows in order, identical bits to the CPU).
#include "cublas_gemm.cuh"
#include "elementwise.cuh"
#include "zl/kernels/matmul.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kColumnThreads = 64;

struct BroadcastBias {
  float* out;
  const float* bias;
  int OC;
  __device__ void scalar(std::size_t i) const { out[i] = bias[i % static_cast<std::size_t>(OC)]; }
  __device__ void vec4(std::size_t i) const { store4(out + i, load4(bias + i % static_cast<std::size_t>(OC))); }
};

__global__ void bias_backward_kernel(float* dbias, const float* dout, int N, int OC) {
  const int j = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (j >= OC) return;
  float acc = dbias[j];
  for (int n = 0; n < N; ++n) acc += dout[static_cast<std::size_t>(n) * OC + j];
  dbias[j] = acc;
}

}  // namespace

void matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int N, int C, int OC) {
  float beta = 0.0F;
  if (bias != nullptr) {
    launch_elementwise(BroadcastBias{out, bias, OC}, static_cast<std::size_t>(N) * OC,
                       OC % 4 == 0 && all_aligned16(out, bias));
    beta = 1.0F;
  }
  sgemm_row_major(false, true, N, OC, C, 1.0F, inp, C, weight, C, beta, out, OC);
}

void matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, int N, int C, int OC) {
  if (dinp != nullptr) sgemm_row_major(false, false, N, C, OC, 1.0F, dout, OC, weight, C, 1.0F, dinp, C);
  if (dweight != nullptr) sgemm_row_major(true, false, OC, C, N, 1.0F, dout, OC, inp, C, 1.0F, dweight, C);
  if (dbias != nullptr && OC > 0) {
    bias_backward_kernel<<<(static_cast<unsigned int>(OC) + kColumnThreads - 1) / kColumnThreads, kColumnThreads, 0,
                           current_cuda_stream()>>>(dbias, dout, N, OC);
    ZL_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace zl::kernels::cuda
