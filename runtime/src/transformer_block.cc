// GPT-2's pre-LayerNorm transformer block, forward and backward (zl/runtime/gpt2_layers.h). The order of
// operations follows llm.c's gpt2_forward/gpt2_backward for one layer.
#include <cmath>

#include "zl/runtime/device_ops.h"
#include "zl/runtime/gpt2_layers.h"

namespace zl::runtime {
namespace {

// Parameter indices, in declaration order.
enum : std::size_t { kLn1W, kLn1B, kQkvW, kQkvB, kProjW, kProjB, kLn2W, kLn2B, kFcW, kFcB, kFcProjW, kFcProjB };
// Workspace slots.
enum : std::size_t { kSlotProj, kSlotDx1, kSlotDFcGelu, kSlotDFc, kSlotDLn, kSlotDAtty, kSlotDQkv, kSlotDAtt };

void fill_normal(const Tensor& t, Rng& rng, double std) {
  float* p = t.f32();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(std * rng.normal());
}

}  // namespace

TransformerBlock::TransformerBlock(const config::ModelSpec& spec, int index)
    : Layer("h." + std::to_string(index) + "."), C_(spec.n_embd), NH_(spec.n_head) {
  const std::int64_t C = C_;
  add_parameter("ln_1.weight", {C});
  add_parameter("ln_1.bias", {C});
  add_parameter("attn.c_attn.weight", {3 * C, C});
  add_parameter("attn.c_attn.bias", {3 * C});
  add_parameter("attn.c_proj.weight", {C, C});
  add_parameter("attn.c_proj.bias", {C});
  add_parameter("ln_2.weight", {C});
  add_parameter("ln_2.bias", {C});
  add_parameter("mlp.c_fc.weight", {4 * C, C});
  add_parameter("mlp.c_fc.bias", {4 * C});
  add_parameter("mlp.c_proj.weight", {C, 4 * C});
  add_parameter("mlp.c_proj.bias", {C});
}

// Hugging Face GPT-2: N(0, 0.02) weights, zero biases, unit LayerNorm gains, and the residual
// projections (c_proj) scaled by 1/sqrt(2 n_layer).
void TransformerBlock::initialize(const Tensor& flat, Rng& rng, int n_layer) const {
  flat.fill_zero();
  parameter(flat, kLn1W).fill(1.0F);
  parameter(flat, kLn2W).fill(1.0F);
  const double proj_std = 0.02 / std::sqrt(2.0 * n_layer);
  fill_normal(parameter(flat, kQkvW), rng, 0.02);
  fill_normal(parameter(flat, kProjW), rng, proj_std);
  fill_normal(parameter(flat, kFcW), rng, 0.02);
  fill_normal(parameter(flat, kFcProjW), rng, proj_std);
}

const Tensor& TransformerBlock::forward(const Tensor& params, const Tensor& input, const MicroBatchView& batch) {
  const int B = batch.B, T = batch.T, C = C_, NH = NH_;
  const std::int64_t N = static_cast<std::int64_t>(B) * T;
  const std::int64_t sizes[] = {N * C,     N,         N,     N * 3 * C, static_cast<std::int64_t>(B) * NH * T * T,
                                N * C,     N * C,     N * C, N,         N,
                                N * 4 * C, N * 4 * C, N * C};
  std::int64_t total = 0;
  for (const std::int64_t s : sizes) total += s;
  const Tensor all = saved_.get(total, *batch.allocator, batch.device);
  std::int64_t at = 0;
  Tensor* views[] = {&ln1_, &ln1_mean_, &ln1_rstd_, &qkv_, &att_,      &atty_, &x1_,
                     &ln2_, &ln2_mean_, &ln2_rstd_, &fch_, &fch_gelu_, &out_};
  for (std::size_t i = 0; i < std::size(sizes); ++i) {
    *views[i] = all.view(at, {sizes[i]});
    at += sizes[i];
  }
  out_ = out_.reshape({B, T, C});
  input_ = input;
  const int n = static_cast<int>(N);
  const kernels::Ops& k = ops_for(batch.device);
  const float* x = input.ptr_f32();
  const Tensor proj = batch.workspace->get(kSlotProj, N * C);
  k.layernorm_forward(ln1_.ptr_f32(), ln1_mean_.ptr_f32(), ln1_rstd_.ptr_f32(), x, parameter(params, kLn1W).ptr_f32(),
                      parameter(params, kLn1B).ptr_f32(), n, C);
  k.matmul_forward(qkv_.ptr_f32(), ln1_.ptr_f32(), parameter(params, kQkvW).ptr_f32(),
                   parameter(params, kQkvB).ptr_f32(), n, C, 3 * C);
  k.attention_forward(atty_.ptr_f32(), att_.ptr_f32(), qkv_.ptr_f32(), B, T, C, NH);
  k.matmul_forward(proj.ptr_f32(), atty_.ptr_f32(), parameter(params, kProjW).ptr_f32(),
                   parameter(params, kProjB).ptr_f32(), n, C, C);
  k.residual_forward(x1_.ptr_f32(), x, proj.ptr_f32(), static_cast<std::size_t>(N * C));
  k.layernorm_forward(ln2_.ptr_f32(), ln2_mean_.ptr_f32(), ln2_rstd_.ptr_f32(), x1_.ptr_f32(),
                      parameter(params, kLn2W).ptr_f32(), parameter(params, kLn2B).ptr_f32(), n, C);
  k.matmul_forward(fch_.ptr_f32(), ln2_.ptr_f32(), parameter(params, kFcW).ptr_f32(), parameter(params, kFcB).ptr_f32(),
                   n, C, 4 * C);
  k.gelu_forward(fch_gelu_.ptr_f32(), fch_.ptr_f32(), static_cast<std::size_t>(N * 4 * C));
  k.matmul_forward(proj.ptr_f32(), fch_gelu_.ptr_f32(), parameter(params, kFcProjW).ptr_f32(),
                   parameter(params, kFcProjB).ptr_f32(), n, 4 * C, C);
  k.residual_forward(out_.ptr_f32(), x1_.ptr_f32(), proj.ptr_f32(), static_cast<std::size_t>(N * C));
  return out_;
}

void TransformerBlock::backward(const Tensor& params, const Tensor& grads, const Tensor& dout, const Tensor& dinput,
                                const MicroBatchView& batch) {
  const int B = batch.B, T = batch.T, C = C_, NH = NH_;
  const std::int64_t N = static_cast<std::int64_t>(B) * T;
  const int n = static_cast<int>(N);
  Workspace& ws = *batch.workspace;
  const kernels::Ops& k = ops_for(batch.device);
  auto g = [&](std::size_t i) { return parameter(grads, i).ptr_f32(); };
  auto p = [&](std::size_t i) { return parameter(params, i).ptr_f32(); };

  // out = x1 + mlp(ln2(x1)): dx1 starts as dout (the residual path).
  const Tensor dx1 = ws.get(kSlotDx1, N * C);
  dx1.view(0, {N * C}).copy_from(dout.reshape({N * C}));
  const Tensor dfc_gelu = ws.zeros(kSlotDFcGelu, N * 4 * C);
  k.matmul_backward(dfc_gelu.ptr_f32(), g(kFcProjW), g(kFcProjB), dout.ptr_f32(), fch_gelu_.ptr_f32(), p(kFcProjW), n,
                    4 * C, C);
  const Tensor dfc = ws.zeros(kSlotDFc, N * 4 * C);
  k.gelu_backward(dfc.ptr_f32(), fch_.ptr_f32(), dfc_gelu.ptr_f32(), static_cast<std::size_t>(N * 4 * C));
  const Tensor dln = ws.zeros(kSlotDLn, N * C);
  k.matmul_backward(dln.ptr_f32(), g(kFcW), g(kFcB), dfc.ptr_f32(), ln2_.ptr_f32(), p(kFcW), n, C, 4 * C);
  k.layernorm_backward(dx1.ptr_f32(), g(kLn2W), g(kLn2B), dln.ptr_f32(), x1_.ptr_f32(), p(kLn2W), ln2_mean_.ptr_f32(),
                       ln2_rstd_.ptr_f32(), n, C);

  // x1 = x + attn(ln1(x)): dx starts as dx1.
  dinput.reshape({N * C}).copy_from(dx1.view(0, {N * C}));
  const Tensor datty = ws.zeros(kSlotDAtty, N * C);
  k.matmul_backward(datty.ptr_f32(), g(kProjW), g(kProjB), dx1.ptr_f32(), atty_.ptr_f32(), p(kProjW), n, C, C);
  const Tensor dqkv = ws.zeros(kSlotDQkv, N * 3 * C);
  const Tensor datt = ws.get(kSlotDAtt, static_cast<std::int64_t>(T) * T);
  k.attention_backward(dqkv.ptr_f32(), datt.ptr_f32(), datty.ptr_f32(), qkv_.ptr_f32(), att_.ptr_f32(), B, T, C, NH);
  dln.fill_zero();
  k.matmul_backward(dln.ptr_f32(), g(kQkvW), g(kQkvB), dqkv.ptr_f32(), ln1_.ptr_f32(), p(kQkvW), n, C, 3 * C);
  k.layernorm_backward(dinput.ptr_f32(), g(kLn1W), g(kLn1B), dln.ptr_f32(), input_.ptr_f32(), p(kLn1W),
                       ln1_mean_.ptr_f32(), ln1_rstd_.ptr_f32(), n, C);
}

}  // namespace zl::runtime
