// Ops: every kernel op as a table of function pointers, one table per twin family (cpu::ops(),
// cuda::ops()), so that device-agnostic code (the runtime's layers, the optimizer, the engine) picks
// the table of its tensors' device once and calls the same names on either. The members have exactly
// the signatures of the op headers (zl/kernels/<op>.h); ZL_KERNELS_OPS_OF(ns) fills a table from the
// functions of namespace `ns`, so a twin missing from one family fails to compile.
//
// Beside the ops, the table carries the memory primitives the device-agnostic code needs: copy (within
// the device, non-overlapping), zero, and upload/download between the host and the device (returning
// when the host buffer may be reused or read). On the CUDA table they are queued on the calling thread's
// current stream (zl/kernels/cuda_stream.h), like every kernel (zl/kernels/device_memory.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "zl/kernels/adamw.h"
#include "zl/kernels/attention.h"
#include "zl/kernels/cast.h"
#include "zl/kernels/cross_entropy.h"
#include "zl/kernels/embedding.h"
#include "zl/kernels/gelu.h"
#include "zl/kernels/l2_norm.h"
#include "zl/kernels/layernorm.h"
#include "zl/kernels/matmul.h"
#include "zl/kernels/mixed_round.h"
#include "zl/kernels/nonfinite.h"
#include "zl/kernels/residual.h"
#include "zl/kernels/scale.h"
#include "zl/kernels/sgd.h"

namespace zl::kernels {

struct Ops {
  void (*copy)(void* dst, const void* src, std::size_t bytes);
  void (*zero)(void* dst, std::size_t bytes);
  void (*upload)(void* dst, const void* host_src, std::size_t bytes);
  void (*download)(void* host_dst, const void* src, std::size_t bytes);

  void (*embedding_forward)(float* out, const std::int32_t* tokens, const float* wte, const float* wpe, int B, int T,
                            int C);
  void (*embedding_backward)(float* dwte, float* dwpe, const float* dout, const std::int32_t* tokens, int B, int T,
                             int C);
  void (*layernorm_forward)(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                            const float* bias, int N, int C);
  void (*layernorm_backward)(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                             const float* weight, const float* mean, const float* rstd, int N, int C);
  void (*matmul_forward)(float* out, const float* inp, const float* weight, const float* bias, int N, int C, int OC);
  void (*matmul_backward)(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                          const float* weight, int N, int C, int OC);
  void (*attention_forward)(float* out, float* att, const float* qkv, int B, int T, int C, int NH);
  void (*attention_backward)(float* dqkv, float* scratch, const float* dout, const float* qkv, const float* att, int B,
                             int T, int C, int NH);
  void (*gelu_forward)(float* out, const float* inp, std::size_t n);
  void (*gelu_backward)(float* dinp, const float* inp, const float* dout, std::size_t n);
  void (*residual_forward)(float* out, const float* a, const float* b, std::size_t n);
  void (*residual_backward)(float* da, float* db, const float* dout, std::size_t n);
  double (*cross_entropy_forward)(float* probs, float* losses, const float* logits, const std::int32_t* targets, int N,
                                  int V);
  void (*cross_entropy_backward)(float* dlogits, const float* probs, const std::int32_t* targets, float dloss, int N,
                                 int V);
  void (*adamw_step)(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h);
  void (*adam_l2_step)(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h);
  void (*sgd_momentum_step)(float* param, const float* grad, float* momentum_buffer, std::size_t n, float lr,
                            float momentum, float weight_decay);
  void (*scale)(float* x, std::size_t n, float factor);
  bool (*has_nonfinite)(const float* x, std::size_t n);
  double (*squared_l2_norm)(const float* x, std::size_t n);
  void (*cast_fp32_to_bf16)(const float* in, std::uint16_t* out, std::size_t n);
  void (*cast_bf16_to_fp32)(const std::uint16_t* in, float* out, std::size_t n);
  void (*cast_fp32_to_fp16)(const float* in, std::uint16_t* out, std::size_t n);
  void (*cast_fp16_to_fp32)(const std::uint16_t* in, float* out, std::size_t n);
  void (*round_through_bf16)(float* x, std::size_t n);
  void (*round_through_fp16)(float* x, std::size_t n);
  void (*accumulate_bf16)(std::uint16_t* acc, const float* add, std::size_t n);
  void (*accumulate_fp16)(std::uint16_t* acc, const float* add, std::size_t n);
  void (*accumulate_bf16_bf16)(std::uint16_t* acc, const std::uint16_t* add, std::size_t n);
  void (*accumulate_fp16_fp16)(std::uint16_t* acc, const std::uint16_t* add, std::size_t n);
};

// The table of namespace `ns` (cpu or cuda), given its memory primitives.
#define ZL_KERNELS_OPS_OF(ns, copy_fn, zero_fn, upload_fn, download_fn)                                                \
  ::zl::kernels::Ops {                                                                                                 \
    .copy = copy_fn, .zero = zero_fn, .upload = upload_fn, .download = download_fn,                                    \
    .embedding_forward = &ns::embedding_forward, .embedding_backward = &ns::embedding_backward,                        \
    .layernorm_forward = &ns::layernorm_forward, .layernorm_backward = &ns::layernorm_backward,                        \
    .matmul_forward = &ns::matmul_forward, .matmul_backward = &ns::matmul_backward,                                    \
    .attention_forward = &ns::attention_forward, .attention_backward = &ns::attention_backward,                        \
    .gelu_forward = &ns::gelu_forward, .gelu_backward = &ns::gelu_backward, .residual_forward = &ns::residual_forward, \
    .residual_backward = &ns::residual_backward, .cross_entropy_forward = &ns::cross_entropy_forward,                  \
    .cross_entropy_backward = &ns::cross_entropy_backward, .adamw_step = &ns::adamw_step,                              \
    .adam_l2_step = &ns::adam_l2_step, .sgd_momentum_step = &ns::sgd_momentum_step, .scale = &ns::scale,               \
    .has_nonfinite = &ns::has_nonfinite, .squared_l2_norm = &ns::squared_l2_norm,                                      \
    .cast_fp32_to_bf16 = &ns::cast_fp32_to_bf16, .cast_bf16_to_fp32 = &ns::cast_bf16_to_fp32,                          \
    .cast_fp32_to_fp16 = &ns::cast_fp32_to_fp16, .cast_fp16_to_fp32 = &ns::cast_fp16_to_fp32,                          \
    .round_through_bf16 = &ns::round_through_bf16, .round_through_fp16 = &ns::round_through_fp16,                      \
    .accumulate_bf16 = &ns::accumulate_bf16, .accumulate_fp16 = &ns::accumulate_fp16,                                  \
    .accumulate_bf16_bf16 = &ns::accumulate_bf16_bf16, .accumulate_fp16_fp16 = &ns::accumulate_fp16_fp16               \
  }

namespace cpu {
const Ops& ops();
}  // namespace cpu

namespace cuda {
// Only in builds with CUDA (zlaunch::kernels_cuda).
const Ops& ops();
}  // namespace cuda

}  // namespace zl::kernels
