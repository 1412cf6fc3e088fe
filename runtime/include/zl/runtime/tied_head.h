// The language-model head tied to the token embedding: logits = x @ wte^T, then softmax cross-entropy.
// It owns no parameters: the model hands it the embedding layer's wte and accumulates its weight
// gradient into the embedding's gradient buffer (see parameter_storage.h on the tie).
#pragma once

#include <cstdint>

#include "zl/runtime/tensor.h"
#include "zl/runtime/workspace.h"

namespace zl::runtime {

class TiedHead {
 public:
  TiedHead(int n_embd, int vocab_size) : C_(n_embd), V_(vocab_size) {}

  // x [N, C] (the final norm's output, kept alive by its layer), wte [V, C], and targets [N] all on one
  // device, where the head computes and keeps its buffers. With targets, turns the
  // logits into probabilities in place and returns the SUM of the N token losses; without, leaves logits
  // and returns 0.
  double forward(const Tensor& wte, const Tensor& x, const std::int32_t* targets, std::int64_t N, Allocator& allocator);
  // Needs a forward with targets. dloss is d(final loss)/d(each token's loss). Accumulates into dwte,
  // writes dx [N, C].
  void backward(const Tensor& wte, const Tensor& dwte, const Tensor& dx, float dloss);

  // [N, V]: logits after a forward without targets, probabilities after one with targets.
  [[nodiscard]] const Tensor& logits() const { return logits_; }
  // Per-token losses of the last forward with targets.
  [[nodiscard]] const Tensor& losses() const { return losses_; }

 private:
  int C_;
  int V_;
  std::int64_t N_ = 0;
  Tensor x_;
  const std::int32_t* targets_ = nullptr;
  ActivationBuffer buffer_;
  Tensor logits_, losses_;
};

}  // namespace zl::runtime
