// GPT-2's input embedding layer (zl/runtime/gpt2_layers.h).
#include "zl/runtime/device_ops.h"
#include "zl/runtime/gpt2_layers.h"

namespace zl::runtime {

EmbeddingLayer::EmbeddingLayer(const config::ModelSpec& spec) : Layer(""), C_(spec.n_embd) {
  add_parameter("wte.weight", {spec.vocab_size, spec.n_embd});
  add_parameter("wpe.weight", {spec.block_size, spec.n_embd});
}

void EmbeddingLayer::initialize(const Tensor& flat, Rng& rng, int /*n_layer*/) const {
  float* p = flat.f32();
  for (std::int64_t i = 0; i < flat.numel(); ++i) p[i] = static_cast<float>(0.02 * rng.normal());
}

const Tensor& EmbeddingLayer::forward(const Tensor& params, const Tensor& /*input*/, const MicroBatchView& batch) {
  const std::int64_t n = static_cast<std::int64_t>(batch.B) * batch.T * C_;
  out_ = out_buffer_.get(n, *batch.allocator, batch.device).reshape({batch.B, batch.T, C_});
  ops_for(batch.device)
      .embedding_forward(out_.ptr_f32(), batch.tokens, parameter(params, 0).ptr_f32(), parameter(params, 1).ptr_f32(),
                         batch.B, batch.T, C_);
  return out_;
}

void EmbeddingLayer::backward(const Tensor& /*params*/, const Tensor& grads, const Tensor& dout,
                              const Tensor& /*dinput*/, const MicroBatchView& batch) {
  ops_for(batch.device)
      .embedding_backward(parameter(grads, 0).ptr_f32(), parameter(grads, 1).ptr_f32(), dout.ptr_f32(), batch.tokens,
                          batch.B, batch.T, C_);
}

}  // namespace zl::runtime
