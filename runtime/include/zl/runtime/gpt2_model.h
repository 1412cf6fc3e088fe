// Gpt2Model: GPT-2 as a sequence of layers — embedding, n_layer transformer blocks, final LayerNorm —
// plus the head tied to the embedding. Same math as Hugging Face GPT2LMHeadModel (pre-LN, learned
// positions, biases, tanh GELU, LayerNorm eps 1e-5).
//
// Layer i's parameter count equals spec.layer_parameter_counts()[i]. Parameters are never owned here:
// every pass takes the ParameterStorage that provides them (parameter_storage.h).
// The model computes on one device (`device`: activations, workspace, kernels); the storage's parameters
// and gradients must be on the same device. Tokens and targets always arrive on the host and are copied
// to the device by forward().
// Not thread-safe; one micro-batch in flight at a time (forward, then optionally backward).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "zl/config/model_spec.h"
#include "zl/runtime/layer.h"
#include "zl/runtime/parameter_storage.h"
#include "zl/runtime/tied_head.h"

namespace zl::runtime {

class Gpt2Model {
 public:
  explicit Gpt2Model(const config::ModelSpec& spec, Allocator& allocator = default_allocator(),
                     Device device = Device::kCpu);

  [[nodiscard]] const config::ModelSpec& spec() const { return spec_; }
  [[nodiscard]] Device device() const { return device_; }
  [[nodiscard]] std::size_t layer_count() const { return layers_.size(); }
  [[nodiscard]] Layer& layer(std::size_t i) { return *layers_.at(i); }
  [[nodiscard]] const Layer& layer(std::size_t i) const { return *layers_.at(i); }
  [[nodiscard]] std::vector<std::int64_t> layer_sizes() const;

  // GPT-2 initialization of every layer's flat buffer in `storage`, a function of the seed only.
  void initialize(ParameterStorage& storage, std::uint64_t seed) const;

  // Forward of a micro-batch of B sequences of T tokens (T <= block_size, tokens < vocab_size, checked).
  // With targets [B, T], returns the SUM of the B*T token losses; without, returns 0 and leaves the
  // logits of every position in logits().
  double forward(ParameterStorage& storage, const std::int32_t* tokens, const std::int32_t* targets, int B, int T);
  // Backward of the last forward (which had targets), accumulating into storage.grads(i). dloss is
  // d(final loss)/d(each token's loss): 1 / (tokens in the global batch) for the mean over a global batch.
  void backward(ParameterStorage& storage, float dloss);

  // [B*T, V] logits (forward without targets), on the model's device (Tensor::on_host() to read them).
  [[nodiscard]] const Tensor& logits() const { return head_.logits(); }

 private:
  // tokens/targets on the device (Device::kCuda only; on the CPU the caller's arrays are used).
  const std::int32_t* on_device(const std::int32_t* host, std::int64_t n, std::shared_ptr<Block>& buffer);

  config::ModelSpec spec_;
  Allocator* allocator_;
  Device device_;
  std::vector<std::unique_ptr<Layer>> layers_;
  TiedHead head_;
  Workspace workspace_;
  ActivationBuffer grad_a_, grad_b_;  // ping-pong activation gradients [B, T, C]
  MicroBatchView batch_;
  std::shared_ptr<Block> tokens_on_device_, targets_on_device_;
  bool has_targets_ = false;
};

}  // namespace zl::runtime
