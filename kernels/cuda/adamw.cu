// CUDA twin of kernels/cpu/adamw.cc: AdamW and Adam-with-L2 element-wise through the shared
// math/optimizer_math.h (compiled with --fmad=false; bias corrections computed on the host by the same
// math::adam_corrections), so both twins produce the same bits. adamw_step_multi updates up to
// kAdamMultiMaxTensors tensors per launch: the tensor list travels as a kernel argument (no device
// copy of it, nothing to free, capturable in a CUDA graph), each block takes one kAdamChunk-element
// chunk of one tensor.
#include <algorithm>

#include "elementwise.cuh"
#include "zl/kernels/adamw.h"
#include "zl/kernels/math/optimizer_math.h"

namespace zl::kernels::cuda {
namespace {

struct AdamScalars {
  float lr;
  float beta1;
  float beta2;
  float eps;
  float weight_decay;
  float bias_correction1;
  float bias_correction2_sqrt;
};

AdamScalars scalars(const AdamHyper& h) {
  const math::AdamCorrections c = math::adam_corrections(h.beta1, h.beta2, h.step, h.bias_correction);
  return {h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, c.bias_correction1, c.bias_correction2_sqrt};
}

template <bool kDecoupled>
__device__ __forceinline__ void update(float& p, float g, float& m, float& v, const AdamScalars& s) {
  if constexpr (kDecoupled) {
    math::adamw_update(p, g, m, v, s.lr, s.beta1, s.beta2, s.eps, s.weight_decay, s.bias_correction1,
                       s.bias_correction2_sqrt);
  } else {
    math::adam_l2_update(p, g, m, v, s.lr, s.beta1, s.beta2, s.eps, s.weight_decay, s.bias_correction1,
                         s.bias_correction2_sqrt);
  }
}

template <bool kDecoupled>
__device__ __forceinline__ void update4(float* param, const float* grad, float* m, float* v, std::size_t i,
                                        const AdamScalars& s) {
  float4 p = load4(param + i);
  float4 mm = load4(m + i);
  float4 vv = load4(v + i);
  const float4 g = load4(grad + i);
  update<kDecoupled>(p.x, g.x, mm.x, vv.x, s);
  update<kDecoupled>(p.y, g.y, mm.y, vv.y, s);
  update<kDecoupled>(p.z, g.z, mm.z, vv.z, s);
  update<kDecoupled>(p.w, g.w, mm.w, vv.w, s);
  store4(param + i, p);
  store4(m + i, mm);
  store4(v + i, vv);
}

template <bool kDecoupled>
struct AdamStep {
  float* param;
  const float* grad;
  float* m;
  float* v;
  AdamScalars s;
  __device__ void scalar(std::size_t i) const { update<kDecoupled>(param[i], grad[i], m[i], v[i], s); }
  __device__ void vec4(std::size_t i) const { update4<kDecoupled>(param, grad, m, v, i, s); }
};

// Multi-tensor arguments: 64 * 40 + 65 * 8 + 8 bytes of list plus 28 of scalars, inside the 4 KiB that
// kernel parameters may take on every architecture.
constexpr std::size_t kAdamChunk = 4096;  // elements per block (multiple of 4: chunks keep float4 alignment)
constexpr unsigned int kAdamMultiThreads = 256;

struct AdamMultiArgs {
  AdamTensor tensors[kAdamMultiMaxTensors];
  std::size_t first_block[kAdamMultiMaxTensors + 1];  // tensor t owns blocks [first_block[t], first_block[t+1])
  int count;
};

__global__ void adamw_multi_kernel(const AdamMultiArgs args, const AdamScalars s) {
  const std::size_t block = blockIdx.x;
  int t = 0;
  while (t + 1 < args.count && args.first_block[t + 1] <= block) ++t;
  const AdamTensor& x = args.tensors[t];
  const std::size_t begin = (block - args.first_block[t]) * kAdamChunk;
  const std::size_t end = begin + kAdamChunk < x.n ? begin + kAdamChunk : x.n;
  const bool vectorized = ((reinterpret_cast<std::uintptr_t>(x.param) | reinterpret_cast<std::uintptr_t>(x.grad) |
                            reinterpret_cast<std::uintptr_t>(x.m) | reinterpret_cast<std::uintptr_t>(x.v)) %
                           16) == 0;
  std::size_t i = begin;
  if (vectorized) {
    const std::size_t end4 = begin + (end - begin) / 4 * 4;
    for (std::size_t j = begin + 4 * threadIdx.x; j < end4; j += 4 * blockDim.x) {
      update4<true>(x.param, x.grad, x.m, x.v, j, s);
    }
    i = end4;
  }
  for (std::size_t j = i + threadIdx.x; j < end; j += blockDim.x)
    update<true>(x.param[j], x.grad[j], x.m[j], x.v[j], s);
}

}  // namespace

void adamw_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h) {
  launch_elementwise(AdamStep<true>{param, grad, m, v, scalars(h)}, n, all_aligned16(param, grad, m, v));
}

void adam_l2_step(float* param, const float* grad, float* m, float* v, std::size_t n, const AdamHyper& h) {
  launch_elementwise(AdamStep<false>{param, grad, m, v, scalars(h)}, n, all_aligned16(param, grad, m, v));
}

void adamw_step_multi(const AdamTensor* tensors, std::size_t count, const AdamHyper& h) {
  const AdamScalars s = scalars(h);
  for (std::size_t first = 0; first < count; first += kAdamMultiMaxTensors) {
    AdamMultiArgs args{};
    args.count = static_cast<int>(std::min(kAdamMultiMaxTensors, count - first));
    std::size_t blocks = 0;
    for (int t = 0; t < args.count; ++t) {
      args.tensors[t] = tensors[first + t];
      args.first_block[t] = blocks;
      blocks += (args.tensors[t].n + kAdamChunk - 1) / kAdamChunk;
    }
    args.first_block[args.count] = blocks;
    if (blocks == 0) continue;  // only empty tensors
    ZL_CHECK(blocks <= 0x7fffffffu, "adamw_step_multi: " << blocks << " blocks exceed the grid");
    adamw_multi_kernel<<<static_cast<unsigned int>(blocks), kAdamMultiThreads, 0, current_cuda_stream()>>>(args, s);
    ZL_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace zl::kernels::cuda
