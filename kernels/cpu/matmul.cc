// matmul: linear layer forward and backward through cblas_sgemm (zl/kernels/matmul.h).
#include "zl/kernels/matmul.h"

#include <cblas.h>

#include <cstddef>

namespace zl::kernels::cpu {

void matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int N, int C, int OC) {
  float beta = 0.0F;
  if (bias != nullptr) {
    for (int n = 0; n < N; ++n) {
      float* __restrict o = out + static_cast<std::size_t>(n) * OC;
      for (int j = 0; j < OC; ++j) o[j] = bias[j];
    }
    beta = 1.0F;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0F, inp, C, weight, C, beta, out, OC);
}

void matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, int N, int C, int OC) {
  if (dinp != nullptr) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0F, dout, OC, weight, C, 1.0F, dinp, C);
  }
  if (dweight != nullptr) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0F, dout, OC, inp, C, 1.0F, dweight, C);
  }
  if (dbias != nullptr) {
    for (int n = 0; n < N; ++n) {
      const float* __restrict d = dout + static_cast<std::size_t>(n) * OC;
      for (int j = 0; j < OC; ++j) dbias[j] += d[j];
    }
  }
}

}  // namespace zl::kernels::cpu
