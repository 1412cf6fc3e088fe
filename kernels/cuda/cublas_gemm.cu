// cuBLAS handles and row-major sgemm wrappers for kernels/cuda (see cublas_gemm.cuh).
#include "cublas_gemm.cuh"

#include <unordered_map>

#include "cuda_check.cuh"
#include "zl/kernels/cuda_stream.h"

namespace zl::kernels::cuda {

cublasHandle_t cublas_handle() {
  // Thread-local, so two threads (compute, communication) never race on one handle's stream binding.
  thread_local std::unordered_map<int, cublasHandle_t> handles;
  int device = 0;
  ZL_CUDA_CHECK(cudaGetDevice(&device));
  auto it = handles.find(device);
  if (it == handles.end()) {
    cublasHandle_t handle = nullptr;
    ZL_CUBLAS_CHECK(cublasCreate(&handle));
    ZL_CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH));  // fp32 throughout: no TF32
    it = handles.emplace(device, handle).first;
  }
  ZL_CUBLAS_CHECK(cublasSetStream(it->second, static_cast<cudaStream_t>(current_stream())));
  return it->second;
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands and M with N; a
// row-major matrix with leading dimension ld is its transpose, column-major, with the same ld.
void sgemm_row_major(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                     const float* B, int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  ZL_CUBLAS_CHECK(cublasSgemm(cublas_handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                              N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
}

void sgemm_row_major_strided_batched(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                                     int lda, long long stride_a, const float* B, int ldb, long long stride_b,
                                     float beta, float* C, int ldc, long long stride_c, int batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  ZL_CUBLAS_CHECK(cublasSgemmStridedBatched(cublas_handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                            trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, ldb, stride_b, A,
                                            lda, stride_a, &beta, C, ldc, stride_c, batch));
}

}  // namespace zl::kernels::cuda
