// The training step over a ZeroStorage (engine.h).
#include "zl/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "optimizer_offload.h"
#include "wall_clock_breakdown.h"
#include "zl/base/error.h"
#include "zl/runtime/device_ops.h"

namespace zl::engine {
namespace {

// The dtype of the gradient reductions; configtool allows only the working dtype or fp32.
runtime::DType reduce_dtype(config::CommDataType type, runtime::DType working) {
  switch (type) {
    case config::CommDataType::kWorking:
      return working;
    case config::CommDataType::kFp32:
      return runtime::DType::kF32;
    case config::CommDataType::kFp16:
      return runtime::DType::kF16;
    case config::CommDataType::kBf16:
      return runtime::DType::kBF16;
  }
  return working;
}

}  // namespace

Engine::Engine(runtime::Gpt2Model& model, comm::Communicator& comm, const config::TrainingSettings& training,
               runtime::Allocator& allocator)
    : model_(model), comm_(comm), training_(training), partition_(model.layer_sizes(), comm.size()) {
  if (training.fp16.enabled) {
    working_ = runtime::DType::kF16;
    scaler_ = LossScaler::from(training.fp16);
  } else if (training.bf16_enabled) {
    working_ = runtime::DType::kBF16;
  }
  ZeroOptions options;
  options.zero = training.zero_optimization;
  options.working = working_;
  options.reduce = reduce_dtype(training.communication_data_type, working_);
  options.device = model.device();
  if (model.device() == runtime::Device::kCuda) {
    const bool offload_optimizer = options.zero.offload_optimizer.device == config::OffloadDevice::kCpu;
    if (offload_optimizer)
      offload_ = std::make_unique<OptimizerOffload>(allocator, options.zero.offload_optimizer.pin_memory);
    options.offload_params = options.zero.offload_param.device == config::OffloadDevice::kCpu;
    options.offload_master = offload_optimizer && mixed();
  }
  storage_ = make_zero_storage(partition_, comm, options, allocator);
  optimizer_ = runtime::Optimizer::create(training.optimizer, allocator);
  breakdown_ = std::make_unique<WallClockBreakdown>(training.wall_clock_breakdown, training.steps_per_print, comm);
}

Engine::~Engine() = default;

void Engine::optimizer_step(const std::vector<runtime::Tensor>& params, const std::vector<runtime::Tensor>& grads,
                            double lr) {
  if (!offload_) {
    optimizer_->step(params, grads, lr);
    return;
  }
  optimizer_->step(offload_->host_params(params), offload_->host_grads(grads), lr);
  offload_->write_back(params);
}

void Engine::after_parameter_load() {
  if (offload_) offload_->refresh(storage_->owned_params());
}

void Engine::initialize(std::uint64_t seed) {
  load_parameters([&](runtime::ParameterStorage& storage) { model_.initialize(storage, seed); });
}

StepResult Engine::train_step(const runtime::BatchSampler& sampler, std::int64_t step, double lr) {
  const int accumulation = training_.gradient_accumulation_steps;
  breakdown_->begin_step();
  storage_->begin_step();
  double loss_sum = 0.0;
  std::int64_t global_tokens = 0;
  for (int m = 0; m < accumulation; ++m) {
    const runtime::MicroBatch mb = sampler.micro_batch(step, m, comm_.rank());
    global_tokens = static_cast<std::int64_t>(sampler.global_batch()) * mb.T;
    storage_->begin_forward();
    loss_sum += model_.forward(*storage_, mb.tokens.data(), mb.targets.data(), mb.B, mb.T);
    breakdown_->mark(WallClockBreakdown::kForward);
    storage_->begin_backward(m == accumulation - 1);
    // fp16: d(scale * loss) - the loss multiplied by the loss scale before backward.
    const float factor = 1.0f / static_cast<float>(global_tokens);
    model_.backward(*storage_, mixed() ? static_cast<float>(scaler_.scale()) * factor : factor);
    storage_->end_backward();
    breakdown_->mark(WallClockBreakdown::kBackward);
  }
  StepResult result = finish_step(loss_sum, global_tokens, step, lr);
  breakdown_->mark(WallClockBreakdown::kStep);
  breakdown_->end_step(step);
  return result;
}

StepResult Engine::finish_step(double loss_sum, std::int64_t global_tokens, std::int64_t step, double lr) {
  storage_->reduce_at_boundary();
  const std::vector<runtime::Tensor> params = storage_->owned_params();
  const std::vector<runtime::Tensor> grads = storage_->owned_grads();
  if (mixed()) return finish_mixed_step(params, grads, loss_sum, global_tokens, step, lr);
  double squared = 0.0;
  for (const auto& g : grads) squared += g.ops().squared_l2_norm(g.ptr_f32(), static_cast<std::size_t>(g.numel()));
  // Two sums in one all-reduce: this rank's token losses and (unless replicated) its gradient squares.
  float sums[2] = {static_cast<float>(loss_sum), storage_->grads_replicated() ? 0.0f : static_cast<float>(squared)};
  comm_.all_reduce(sums, 2, comm::DataType::kFp32, comm::ReduceOp::kSum);
  StepResult result;
  result.tokens = global_tokens;
  result.loss = static_cast<double>(sums[0]) / static_cast<double>(global_tokens);
  result.grad_norm = std::sqrt(storage_->grads_replicated() ? squared : static_cast<double>(sums[1]));
  if (!std::isfinite(result.loss) || !std::isfinite(result.grad_norm)) {
    throw Error("step " + std::to_string(step + 1) +
                ": the loss or the gradient norm is not finite (diverged): lower "
                "the learning rate or enable gradient_clipping");
  }
  if (training_.gradient_clipping > 0 && result.grad_norm > training_.gradient_clipping) {
    const auto factor = static_cast<float>(training_.gradient_clipping / (result.grad_norm + 1e-6));
    for (const auto& g : grads) g.ops().scale(g.ptr_f32(), static_cast<std::size_t>(g.numel()), factor);
  }
  optimizer_step(params, grads, lr);
  storage_->after_optimizer_step();
  storage_->verify_gather_sequence();
  return result;
}

std::vector<float> Engine::full_parameters(std::size_t layer) {
  const runtime::Tensor t = storage_->acquire(layer).on_host();
  std::vector<float> out(t.f32(), t.f32() + t.numel());
  storage_->release(layer);
  return out;
}

std::vector<HeldState> Engine::held_state() {
  // With the optimizer offloaded, its masters on the host are the fp32 state to save and restore.
  const std::vector<runtime::Tensor> params =
      offload_ ? offload_->host_params(storage_->owned_params()) : storage_->owned_params();
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

bool Engine::mixed() const { return working_ != runtime::DType::kF32; }

// The end of a mixed-precision step: the global non-finite flag travels with the loss sum and the
// gradient squares in one all-reduce; an overflowing step is skipped on every rank alike; otherwise the
// gradients are unscaled and clipped in one multiplication (DeepSpeed's unscale_and_clip_grads) before
// the optimizer updates the fp32 master weights and the stage narrows and gathers them.
StepResult Engine::finish_mixed_step(const std::vector<runtime::Tensor>& params,
                                     const std::vector<runtime::Tensor>& grads, double loss_sum,
                                     std::int64_t global_tokens, std::int64_t step, double lr) {
  double squared = 0.0;
  bool nonfinite = false;
  for (const auto& g : grads) {
    const auto n = static_cast<std::size_t>(g.numel());
    squared += g.ops().squared_l2_norm(g.ptr_f32(), n);
    nonfinite = nonfinite || g.ops().has_nonfinite(g.ptr_f32(), n);
  }
  float sums[3] = {static_cast<float>(loss_sum), storage_->grads_replicated() ? 0.0f : static_cast<float>(squared),
                   nonfinite ? 1.0f : 0.0f};
  comm_.all_reduce(sums, 3, comm::DataType::kFp32, comm::ReduceOp::kSum);
  const double scale = scaler_.scale();
  StepResult result;
  result.tokens = global_tokens;
  result.loss = static_cast<double>(sums[0]) / static_cast<double>(global_tokens);
  result.grad_norm = std::sqrt(storage_->grads_replicated() ? squared : static_cast<double>(sums[1])) / scale;
  result.loss_scale = scale;
  const bool overflow = sums[2] > 0.0f;
  if (overflow) {
    result.skipped = true;
    result.skipped_reason = working_ == runtime::DType::kF16 ? "overflow" : "nonfinite";
    ++skipped_steps_;
  } else {
    double combined = scale;
    if (training_.gradient_clipping > 0) {
      const double clip = (result.grad_norm + 1e-6) / training_.gradient_clipping;
      if (clip > 1) combined = clip * scale;
    }
    if (combined != 1.0) {
      const auto factor = static_cast<float>(1.0 / combined);
      for (const auto& g : grads) g.ops().scale(g.ptr_f32(), static_cast<std::size_t>(g.numel()), factor);
    }
    optimizer_step(params, grads, lr);
    storage_->after_optimizer_step();
  }
  storage_->verify_gather_sequence();
  const std::string change = scaler_.update(overflow);  // throws on every rank alike at the minimum scale
  if (overflow && comm_.rank() == 0) {
    std::fprintf(stderr, "[zl engine] step %lld skipped: %s at loss scale %.10g%s%s; %lld steps skipped so far\n",
                 static_cast<long long>(step + 1),
                 result.skipped_reason == "overflow" ? "fp16 gradient overflow" : "non-finite bf16 gradient", scale,
                 change.empty() ? "" : "; ", change.c_str(), static_cast<long long>(skipped_steps_));
  }
  return result;
}

void Engine::restore_loss_scaler(const LossScalerState& state, std::int64_t skipped_steps) {
  scaler_.restore(state);
  skipped_steps_ = skipped_steps;
}

void Engine::finish_state_load(std::int64_t optimizer_steps) {
  optimizer_->set_steps_taken(optimizer_steps);
  if (offload_) offload_->write_back(storage_->owned_params());
  storage_->after_optimizer_step();
}

}  // namespace zl::engine
