// CUDA twin of kernels/cpu/layernorm.cc. Forward: one block per row, two-pass mean and variance by
// fixed-order block sums, then the shared per-element formulas (math/layernorm_math.h). Backward: one
// block per row for dinp (its two row means are block sums); dweight and dbias by one thread per
// channel adding over the rows in order, exactly as the CPU does (identical bits given the same saved
// mean and rstd). Only the row sums differ from the CPU in order: mean, rstd and dinp agree to fp32
// rounding of a C-term sum.
#include "elementwise.cuh"
#include "reduce.cuh"
#include "zl/kernels/layernorm.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kRowThreads = 128;
constexpr unsigned int kColumnThreads = 64;

__global__ void layernorm_forward_kernel(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                                         const float* bias, int C) {
  const std::size_t row = blockIdx.x;
  const float* x = inp + row * C;
  float* o = out + row * C;
  float sum = 0.0F;
  for (int i = static_cast<int>(threadIdx.x); i < C; i += blockDim.x) sum += x[i];
  const float m = block_sum(sum) / static_cast<float>(C);
  float var = 0.0F;
  for (int i = static_cast<int>(threadIdx.x); i < C; i += blockDim.x) {
    const float d = x[i] - m;
    var += d * d;
  }
  const float s = math::layernorm_rstd(block_sum(var), C);
  for (int i = static_cast<int>(threadIdx.x); i < C; i += blockDim.x) {
    o[i] = math::layernorm_output(x[i], m, s, weight[i], bias[i]);
  }
  if (threadIdx.x == 0) {
    mean[row] = m;
    rstd[row] = s;
  }
}

__global__ void layernorm_dinp_kernel(float* dinp, const float* dout, const float* inp, const float* weight,
                                      const float* mean, const float* rstd, int C) {
  const std::size_t row = blockIdx.x;
  const float* x = inp + row * C;
  const float* d = dout + row * C;
  float* dx = dinp + row * C;
  const float m = mean[row];
  const float s = rstd[row];
  float dnorm_sum = 0.0F;
  float dnorm_norm_sum = 0.0F;
  for (int i = static_cast<int>(threadIdx.x); i < C; i += blockDim.x) {
    const float norm = math::layernorm_norm(x[i], m, s);
    const float dnorm = weight[i] * d[i];
    dnorm_sum += dnorm;
    dnorm_norm_sum += dnorm * norm;
  }
  const float dnorm_mean = block_sum(dnorm_sum) / static_cast<float>(C);
  const float dnorm_norm_mean = block_sum(dnorm_norm_sum) / static_cast<float>(C);
  for (int i = static_cast<int>(threadIdx.x); i < C; i += blockDim.x) {
    const float norm = math::layernorm_norm(x[i], m, s);
    const float dnorm = weight[i] * d[i];
    dx[i] += math::layernorm_dinp(dnorm, norm, dnorm_mean, dnorm_norm_mean, s);
  }
}

__global__ void layernorm_dparams_kernel(float* dweight, float* dbias, const float* dout, const float* inp,
                                         const float* mean, const float* rstd, int N, int C) {
  const int c = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (c >= C) return;
  float dw = dweight[c];
  float db = dbias[c];
  for (int n = 0; n < N; ++n) {
    const std::size_t at = static_cast<std::size_t>(n) * C + c;
    const float norm = math::layernorm_norm(inp[at], mean[n], rstd[n]);
    db += dout[at];
    dw += norm * dout[at];
  }
  dweight[c] = dw;
  dbias[c] = db;
}

}  // namespace

void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight, const float* bias,
                       int N, int C) {
  if (N == 0) return;
  layernorm_forward_kernel<<<static_cast<unsigned int>(N), kRowThreads, 0, current_cuda_stream()>>>(
      out, mean, rstd, inp, weight, bias, C);
  ZL_CUDA_CHECK_LAUNCH();
}

void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int N, int C) {
  if (N == 0 || C == 0) return;
  const cudaStream_t stream = current_cuda_stream();
  layernorm_dinp_kernel<<<static_cast<unsigned int>(N), kRowThreads, 0, stream>>>(dinp, dout, inp, weight, mean, rstd,
                                                                                  C);
  ZL_CUDA_CHECK_LAUNCH();
  layernorm_dparams_kernel<<<(static_cast<unsigned int>(C) + kColumnThreads - 1) / kColumnThreads, kColumnThreads, 0,
                             stream>>>(dweight, dbias, dout, inp, mean, rstd, N, C);
  ZL_CUDA_CHECK_LAUNCH();
}

}  // namespace zl::kernels::cuda
