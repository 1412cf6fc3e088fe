// GPT-2's final LayerNorm layer (zl/runtime/gpt2_layers.h).
#include "zl/runtime/device_ops.h"
#include "zl/runtime/gpt2_layers.h"

namespace zl::runtime {

FinalNormLayer::FinalNormLayer(const config::ModelSpec& spec) : Layer("ln_f."), C_(spec.n_embd) {
  add_parameter("weight", {spec.n_embd});
  add_parameter("bias", {spec.n_embd});
}

void FinalNormLayer::initialize(const Tensor& flat, Rng& /*rng*/, int /*n_layer*/) const {
  parameter(flat, 0).fill(1.0F);
  parameter(flat, 1).fill(0.0F);
}

const Tensor& FinalNormLayer::forward(const Tensor& params, const Tensor& input, const MicroBatchView& batch) {
  const std::int64_t N = static_cast<std::int64_t>(batch.B) * batch.T;
  const Tensor all = saved_.get(N * C_ + 2 * N, *batch.allocator, batch.device);
  out_ = all.view(0, {batch.B, batch.T, C_});
  mean_ = all.view(N * C_, {N});
  rstd_ = all.view(N * C_ + N, {N});
  input_ = input;
  ops_for(batch.device)
      .layernorm_forward(out_.ptr_f32(), mean_.ptr_f32(), rstd_.ptr_f32(), input.ptr_f32(),
                         parameter(params, 0).ptr_f32(), parameter(params, 1).ptr_f32(), static_cast<int>(N), C_);
  return out_;
}

void FinalNormLayer::backward(const Tensor& params, const Tensor& grads, const Tensor& dout, const Tensor& dinput,
                              const MicroBatchView& batch) {
  const std::int64_t N = static_cast<std::int64_t>(batch.B) * batch.T;
  dinput.fill_zero();
  ops_for(batch.device)
      .layernorm_backward(dinput.ptr_f32(), parameter(grads, 0).ptr_f32(), parameter(grads, 1).ptr_f32(),
                          dout.ptr_f32(), input_.ptr_f32(), parameter(params, 0).ptr_f32(), mean_.ptr_f32(),
                          rstd_.ptr_f32(), static_cast<int>(N), C_);
}

}  // namespace zl::runtime
