// CUDA twin of kernels/cpu/attention.cc: the same sgemms on strided views of qkv (cublas_gemm.cuh,
// fp32, no TF32) and the masked softmax and its backward as one warp per row, with the shared
// per-element formulas (math/exp_math.h, math/softmax_math.h) and fixed-order warp sums.
// Forward: per batch b, one strided-batched sgemm over the NH heads for each product. Backward: per
// (b, h), because the contract gives T*T floats of scratch, one head's dP at a time (as the CPU does).
#include <cmath>

#include "cublas_gemm.cuh"
#include "elementwise.cuh"
#include "reduce.cuh"
#include "zl/kernels/attention.h"
#include "zl/kernels/math/exp_math.h"
#include "zl/kernels/math/softmax_math.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kWarpsPerBlock = 4;

// rows: `rows` rows of length T; row r is query t = r % T, which sees keys s <= t.
__global__ void causal_softmax_kernel(float* att, std::size_t rows, int T) {
  const std::size_t r = blockIdx.x * static_cast<std::size_t>(kWarpsPerBlock) + threadIdx.x / 32;
  if (r >= rows) return;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int t = static_cast<int>(r % static_cast<std::size_t>(T));
  float* row = att + r * T;
  float maxval = row[0];
  for (int s = lane; s <= t; s += 32) maxval = row[s] > maxval ? row[s] : maxval;
  maxval = warp_max(maxval);
  float sum = 0.0F;
  for (int s = lane; s <= t; s += 32) {
    const float e = math::fast_exp(row[s] - maxval);
    row[s] = e;
    sum += e;
  }
  const float inv = 1.0F / warp_sum(sum);
  for (int s = lane; s <= t; s += 32) row[s] *= inv;
  for (int s = t + 1 + lane; s < T; s += 32) row[s] = 0.0F;
}

// dp holds T rows of dP for one head; becomes dS = scale * P * (dP - rowdot), 0 above the diagonal.
__global__ void causal_softmax_backward_kernel(float* dp, const float* p, int T, float scale) {
  const int t = static_cast<int>(blockIdx.x * kWarpsPerBlock + threadIdx.x / 32);
  if (t >= T) return;
  const int lane = static_cast<int>(threadIdx.x % 32);
  const float* prow = p + static_cast<std::size_t>(t) * T;
  float* drow = dp + static_cast<std::size_t>(t) * T;
  float dot = 0.0F;
  for (int s = lane; s <= t; s += 32) dot += prow[s] * drow[s];
  dot = warp_sum(dot);
  for (int s = lane; s <= t; s += 32) drow[s] = math::softmax_grad(prow[s], drow[s], dot, scale);
  for (int s = t + 1 + lane; s < T; s += 32) drow[s] = 0.0F;
}

unsigned int row_blocks(std::size_t rows) {
  return static_cast<unsigned int>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
}

}  // namespace

void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH) {
  if (B == 0 || T == 0) return;
  const int hs = C / NH;
  const float scale = 1.0F / std::sqrt(static_cast<float>(hs));
  const int ld = 3 * C;
  const long long TT = static_cast<long long>(T) * T;
  for (int b = 0; b < B; ++b) {
    const float* q = qkv + static_cast<std::size_t>(b) * T * ld;
    float* p = att + static_cast<std::size_t>(b) * NH * TT;
    // S = scale * Q K^T for every head h (Q, K of head h at column offset h*hs).
    sgemm_row_major_strided_batched(false, true, T, T, hs, scale, q, ld, hs, q + C, ld, hs, 0.0F, p, T, TT, NH);
  }
  const std::size_t rows = static_cast<std::size_t>(B) * NH * T;
  causal_softmax_kernel<<<row_blocks(rows), kWarpsPerBlock * 32, 0, current_cuda_stream()>>>(att, rows, T);
  ZL_CUDA_CHECK_LAUNCH();
  for (int b = 0; b < B; ++b) {
    const float* v = qkv + static_cast<std::size_t>(b) * T * ld + 2 * C;
    const float* p = att + static_cast<std::size_t>(b) * NH * TT;
    float* y = out + static_cast<std::size_t>(b) * T * C;
    // Y_h = P_h V_h, written to columns h*hs.. of out.
    sgemm_row_major_strided_batched(false, false, T, hs, T, 1.0F, p, T, TT, v, ld, hs, 0.0F, y, C, hs, NH);
  }
}

void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv, const float* att, int B,
                        int T, int C, int NH) {
  if (B == 0 || T == 0) return;
  const int hs = C / NH;
  const float scale = 1.0F / std::sqrt(static_cast<float>(hs));
  const int ld = 3 * C;
  const cudaStream_t stream = current_cuda_stream();
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < NH; ++h) {
      const std::size_t base = static_cast<std::size_t>(b) * T * ld + static_cast<std::size_t>(h) * hs;
      const float* q = qkv + base;
      const float* k = q + C;
      const float* v = q + 2 * C;
      float* dq = dqkv + base;
      float* dk = dq + C;
      float* dv = dq + 2 * C;
      const float* p = att + (static_cast<std::size_t>(b) * NH + h) * T * T;
      const float* dy = dout + static_cast<std::size_t>(b) * T * C + static_cast<std::size_t>(h) * hs;
      float* dp = scratch;
      // dP = dY V^T;  dV += P^T dY
      sgemm_row_major(false, true, T, T, hs, 1.0F, dy, C, v, ld, 0.0F, dp, T);
      sgemm_row_major(true, false, T, hs, T, 1.0F, p, T, dy, C, 1.0F, dv, ld);
      causal_softmax_backward_kernel<<<row_blocks(static_cast<std::size_t>(T)), kWarpsPerBlock * 32, 0, stream>>>(
          dp, p, T, scale);
      ZL_CUDA_CHECK_LAUNCH();
      // dQ += dS K;  dK += dS^T Q
      sgemm_row_major(false, false, T, hs, T, 1.0F, dp, T, k, ld, 1.0F, dq, ld);
      sgemm_row_major(true, false, T, hs, T, 1.0F, dp, T, q, ld, 1.0F, dk, ld);
    }
  }
}

}  // namespace zl::kernels::cuda
