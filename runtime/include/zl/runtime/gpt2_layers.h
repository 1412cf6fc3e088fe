// The layers of GPT-2 (Hugging Face GPT2LMHeadModel's math): the input embedding, the pre-LayerNorm
// transformer block, and the final LayerNorm. Parameter names and counts match
// zl::config::ModelSpec::layer_parameter_counts(); the tied head is in tied_head.h.
#pragma once

#include "zl/config/model_spec.h"
#include "zl/runtime/layer.h"

namespace zl::runtime {

// wte [V, C], wpe [block_size, C]. Input: ignored (reads batch.tokens). Output x0 [B, T, C].
class EmbeddingLayer final : public Layer {
 public:
  explicit EmbeddingLayer(const config::ModelSpec& spec);
  void initialize(const Tensor& flat, Rng& rng, int n_layer) const override;
  const Tensor& forward(const Tensor& params, const Tensor& input, const MicroBatchView& batch) override;
  void backward(const Tensor& params, const Tensor& grads, const Tensor& dout, const Tensor& dinput,
                const MicroBatchView& batch) override;

 private:
  int C_;
  ActivationBuffer out_buffer_;
  Tensor out_;
};

// x + attn(ln_1(x)), then + mlp(ln_2(.)); attention is causal over the fused c_attn projection,
// the MLP is c_fc (4C) -> GELU (tanh) -> c_proj.
class TransformerBlock final : public Layer {
 public:
  TransformerBlock(const config::ModelSpec& spec, int index);
  void initialize(const Tensor& flat, Rng& rng, int n_layer) const override;
  const Tensor& forward(const Tensor& params, const Tensor& input, const MicroBatchView& batch) override;
  void backward(const Tensor& params, const Tensor& grads, const Tensor& dout, const Tensor& dinput,
                const MicroBatchView& batch) override;

 private:
  int C_;
  int NH_;
  Tensor input_;  // the previous layer's output, kept for backward
  // Saved activations, one flat buffer: ln1, ln1 mean/rstd, qkv, att, atty, x1, ln2, ln2 mean/rstd,
  // fch, fch_gelu, out.
  ActivationBuffer saved_;
  Tensor ln1_, ln1_mean_, ln1_rstd_, qkv_, att_, atty_, x1_, ln2_, ln2_mean_, ln2_rstd_, fch_, fch_gelu_, out_;
};

// ln_f.weight, ln_f.bias.
class FinalNormLayer final : public Layer {
 public:
  explicit FinalNormLayer(const config::ModelSpec& spec);
  void initialize(const Tensor& flat, Rng& rng, int n_layer) const override;
  const Tensor& forward(const Tensor& params, const Tensor& input, const MicroBatchView& batch) override;
  void backward(const Tensor& params, const Tensor& grads, const Tensor& dout, const Tensor& dinput,
                const MicroBatchView& batch) override;

 private:
  int C_;
  Tensor input_;
  ActivationBuffer saved_;
  Tensor out_, mean_, rstd_;
};

}  // namespace zl::runtime
