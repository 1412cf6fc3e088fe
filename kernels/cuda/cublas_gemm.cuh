// Row-major sgemm through cuBLAS for kernels/cuda (matmul, attention), with the operand order and
// transposes of cblas_sgemm(CblasRowMajor, ...) so each CUDA twin reads like its CPU twin.
//
// Handles: one per (calling thread, device), created on first use and kept until the process exits
// (never destroyed: destroying a handle during static teardown, after the driver, can crash). Each
// call binds the handle to the thread's current stream (zl/kernels/cuda_stream.h), so work is queued
// there. Math mode CUBLAS_DEFAULT_MATH with no TF32: fp32 multiply-adds, results within fp32 rounding
// of OpenBLAS (the summation order differs). Every cuBLAS status is checked (ZL_CUBLAS_CHECK).
#pragma once

#include <cublas_v2.h>

#include "zl/base/check.h"
#include "zl/base/error.h"

#define ZL_CUBLAS_CHECK(expr)                                                                                      \
  do {                                                                                                             \
    const cublasStatus_t zl_cublas_status_ = (expr);                                                               \
    if (zl_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                                              \
      throw ::zl::Error(::zl::detail::source_location(__FILE__, __LINE__) + ": " #expr ": " +                      \
                        cublasGetStatusName(zl_cublas_status_) + ": " + cublasGetStatusString(zl_cublas_status_)); \
    }                                                                                                              \
  } while (0)

namespace zl::kernels::cuda {

// This thread's handle for the current device, bound to the current stream.
cublasHandle_t cublas_handle();

// C[M,N] = alpha * op(A)[M,K] op(B)[K,N] + beta * C, all row-major with leading dimensions as in cblas.
void sgemm_row_major(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                     const float* B, int ldb, float beta, float* C, int ldc);

// The same over `batch` problems, operand i at A + i*stride_a (and likewise B, C).
void sgemm_row_major_strided_batched(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                                     int lda, long long stride_a, const float* B, int ldb, long long stride_b,
                                     float beta, float* C, int ldc, long long stride_c, int batch);

}  // namespace zl::kernels::cuda
