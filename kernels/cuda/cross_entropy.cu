// CUDA twin of kernels/cpu/cross_entropy.cc. Forward: one block per row (max, fast_exp, sum, scale:
// the same per-element formulas as the CPU, row sums in a fixed tree order). The return value is a
// host double: the N losses are copied back (synchronizing the current stream) and summed on the host
// in the CPU's order. Backward: element-wise dloss * p, minus dloss at the target, as on the CPU
// (identical bits). probs may alias logits and dlogits may alias probs: no __restrict__ here.
#include <vector>

#include "elementwise.cuh"
#include "reduce.cuh"
#include "zl/kernels/cross_entropy.h"
#include "zl/kernels/math/exp_math.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kRowThreads = 256;

__global__ void cross_entropy_forward_kernel(float* probs, float* losses, const float* logits,
                                             const std::int32_t* targets, int V) {
  const std::size_t row = blockIdx.x;
  const float* x = logits + row * V;
  float* p = probs + row * V;
  const float target_logit = x[targets[row]];  // read before the in-place overwrite (barriers below)
  float maxval = x[0];
  for (int i = static_cast<int>(threadIdx.x); i < V; i += blockDim.x) maxval = x[i] > maxval ? x[i] : maxval;
  maxval = block_max(maxval);
  double sum = 0.0;  // double, as on the CPU: a float normalizer over 50257 terms drifts by ~1e-5
  for (int i = static_cast<int>(threadIdx.x); i < V; i += blockDim.x) {
    const float e = math::fast_exp(x[i] - maxval);
    p[i] = e;
    sum += e;
  }
  sum = block_sum(sum);
  const auto inv = static_cast<float>(1.0 / sum);
  for (int i = static_cast<int>(threadIdx.x); i < V; i += blockDim.x) p[i] *= inv;
  if (threadIdx.x == 0) losses[row] = static_cast<float>(log(sum)) - (target_logit - maxval);
}

struct CrossEntropyBackward {
  float* dlogits;
  const float* probs;
  const std::int32_t* targets;
  float dloss;
  int V;
  __device__ float grad(std::size_t i) const {
    const std::size_t row = i / static_cast<std::size_t>(V);
    const float d = dloss * probs[i];
    return static_cast<std::size_t>(targets[row]) == i - row * V ? d - dloss : d;
  }
  __device__ void scalar(std::size_t i) const { dlogits[i] = grad(i); }
  __device__ void vec4(std::size_t i) const {  // V % 4 == 0: the four stay in one row
    store4(dlogits + i, make_float4(grad(i), grad(i + 1), grad(i + 2), grad(i + 3)));
  }
};

}  // namespace

double cross_entropy_forward(float* probs, float* losses, const float* logits, const std::int32_t* targets, int N,
                             int V) {
  if (N == 0) return 0.0;
  const cudaStream_t stream = current_cuda_stream();
  cross_entropy_forward_kernel<<<static_cast<unsigned int>(N), kRowThreads, 0, stream>>>(probs, losses, logits, targets,
                                                                                         V);
  ZL_CUDA_CHECK_LAUNCH();
  std::vector<float> host(static_cast<std::size_t>(N));
  ZL_CUDA_CHECK(cudaMemcpyAsync(host.data(), losses, host.size() * sizeof(float), cudaMemcpyDeviceToHost, stream));
  ZL_CUDA_CHECK(cudaStreamSynchronize(stream));  // the return value must be on the host
  double total = 0.0;
  for (const float loss : host) total += loss;
  return total;
}

void cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets, float dloss, int N,
                            int V) {
  const std::size_t n = static_cast<std::size_t>(N) * static_cast<std::size_t>(V);
  launch_elementwise(CrossEntropyBackward{dlogits, probs, targets, dloss, V}, n,
                     V % 4 == 0 && all_aligned16(dlogits, probs));
}

}  // namespace zl::kernels::cuda
