// cross_entropy: softmax over the vocabulary fused with the negative log-likelihood of the target.
//   probs[N,V] = softmax(logits) (probs may alias logits: computed in place)
//   losses[N]  = -log probs[n, targets[n]];  the return value is the sum of losses (in double)
// Backward WRITES (does not accumulate) dlogits = dloss * (probs - onehot(target)), where dloss is the
// derivative of the final loss w.r.t. each row's loss (1 / tokens for a mean); dlogits may alias probs.
// Targets must lie in [0, V) (the caller validates).
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h).
// cuda::cross_entropy_forward returns a host value, so it copies the N losses back and synchronizes
// the stream; it sums them on the host in the CPU twin's order.
#pragma once

#include <cstdint>

namespace zl::kernels {

namespace cpu {
double cross_entropy_forward(float* probs, float* losses, const float* logits, const std::int32_t* targets, int N,
                             int V);
void cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets, float dloss, int N, int V);
}  // namespace cpu

namespace cuda {
double cross_entropy_forward(float* probs, float* losses, const float* logits, const std::int32_t* targets, int N,
                             int V);
void cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets, float dloss, int N, int V);
}  // namespace cuda

}  // namespace zl::kernels
