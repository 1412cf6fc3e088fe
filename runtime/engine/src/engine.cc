// The training step over a ZeroStorage (engine.h).
#include "zl/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "zl/base/error.h"
#include "zl/kernels/l2_norm.h"
#include "zl/kernels/scale.h"

namespace zl::engine {

Engine::Engine(runtime::Gpt2Model& model, comm::Communicator& comm, const config::TrainingSettings& training,
               runtime::Allocator& allocator)
    : model_(model), comm_(comm), training_(training), partition_(model.layer_sizes(), comm.size()) {
  if (training.fp16.enabled || training.bf16_enabled) {
    throw UnavailableError(std::string(training.fp16.enabled ? "fp16" : "bf16") +
                           " training is not available in this version of the engine: set mixed_precision: no (and "
                           "fp16.enabled / bf16.enabled false) to train in fp32");
  }
  storage_ = make_zero_storage(partition_, comm, ZeroOptions::from(training.zero_optimization), allocator);
  optimizer_ = runtime::Optimizer::create(training.optimizer, allocator);
}

void Engine::initialize(std::uint64_t seed) {
  load_parameters([&](runtime::ParameterStorage& storage) { model_.initialize(storage, seed); });
}

StepResult Engine::train_step(const runtime::BatchSampler& sampler, std::int64_t step, double lr) {
  const int accumulation = training_.gradient_accumulation_steps;
  storage_->begin_step();
  double loss_sum = 0.0;
  std::int64_t global_tokens = 0;
  for (int m = 0; m < accumulation; ++m) {
    const runtime::MicroBatch mb = sampler.micro_batch(step, m, comm_.rank());
    global_tokens = static_cast<std::int64_t>(sampler.global_batch()) * mb.T;
    storage_->begin_forward();
    loss_sum += model_.forward(*storage_, mb.tokens.data(), mb.targets.data(), mb.B, mb.T);
    storage_->begin_backward(m == accumulation - 1);
    model_.backward(*storage_, 1.0f / static_cast<float>(global_tokens));
    storage_->end_backward();
  }
  storage_->reduce_at_boundary();

  const std::vector<runtime::Tensor> params = storage_->owned_params();
  const std::vector<runtime::Tensor> grads = storage_->owned_grads();
  double squared = 0.0;
  for (const auto& g : grads) squared += kernels::cpu::squared_l2_norm(g.f32(), static_cast<std::size_t>(g.numel()));
  // Two sums in one all-reduce: this rank's token losses and (unless replicated) its gradient squares.
  float sums[2] = {static_cast<float>(loss_sum), storage_->grads_replicated() ? 0.0f : static_cast<float>(squared)};
  comm_.all_reduce(sums, 2, comm::DataType::kFp32, comm::ReduceOp::kSum);
  StepResult result;
  result.tokens = global_tokens;
  result.loss = static_cast<double>(sums[0]) / static_cast<double>(global_tokens);
  result.grad_norm = std::sqrt(storage_->grads_replicated() ? squared : static_cast<double>(sums[1]));
  if (!std::isfinite(result.loss) || !std::isfinite(result.grad_norm)) {
    throw Error("step " + std::to_string(step + 1) + ": the loss or the gradient norm is not finite (diverged): lower "
                "the learning rate or enable gradient_clipping");
  }
  if (training_.gradient_clipping > 0 && result.grad_norm > training_.gradient_clipping) {
    const auto factor = static_cast<float>(training_.gradient_clipping / (result.grad_norm + 1e-6));
    for (const auto& g : grads) kernels::cpu::scale(g.f32(), static_cast<std::size_t>(g.numel()), factor);
  }
  optimizer_->step(params, grads, lr);
  storage_->after_optimizer_step();
  storage_->verify_gather_sequence();
  return result;
}

std::vector<float> Engine::full_parameters(std::size_t layer) {
  const runtime::Tensor t = storage_->acquire(layer);
  std::vector<float> out(t.f32(), t.f32() + t.numel());
  storage_->release(layer);
  return out;
}

std::vector<HeldState> Engine::held_state() {
  const std::vector<runtime::Tensor> params = storage_->owned_params();
  const std::vector<std::vector<runtime::Tensor>> states = optimizer_->state_buffers(params);
  const bool whole = storage_->stage() == 0;  // stage 0: owned_params() are the unpadded full layers
  std::vector<HeldState> out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const LayerShard& shard = partition_.layer(i);
    HeldState h;
    h.layer = i;
    h.begin = whole ? 0 : std::min(shard.owned_offset(comm_.rank()), shard.size);
    h.end = whole ? shard.size : std::min(shard.owned_offset(comm_.rank()) + shard.shard, shard.size);
    if (h.end > h.begin) {
      h.master = params[i].view(0, {h.end - h.begin});
      for (const auto& state : states) h.optimizer.push_back(state.at(i).view(0, {h.end - h.begin}));
    }
    out.push_back(std::move(h));
  }
  return out;
}

void Engine::finish_state_load(std::int64_t optimizer_steps) {
  optimizer_->set_steps_taken(optimizer_steps);
  storage_->after_optimizer_step();
}

}  // namespace zl::engine
