// Engine: data-parallel training of a Gpt2Model with ZeRO stage 0-3 over a Communicator (DESIGN.md §4).
//
// One optimizer step: for each of the gradient_accumulation_steps micro-batches of this rank
// (BatchSampler: the global batch and its order do not depend on the world size), forward and backward
// through the stage's ZeroStorage, which communicates as the stage requires; then the global gradient
// norm (summed across shards), clipping (DeepSpeed's rule: scale by clip/(norm+1e-6) when the norm
// exceeds it), the optimizer on the owned shard, and the stage's after-step gather. The loss is the
// mean over every token of the global batch, so the same config gives the same losses at every stage
// and world size (fp32: to rounding).
//
// Mixed precision (fp16.enabled or bf16_enabled; docs/engine.md): 16-bit working parameters and
// gradients, fp32 master weights and optimizer states in the shards, gradient reductions in
// communication_data_type (default: the working dtype). Every step checks the gradients for inf/NaN on
// every rank and OR-reduces the flag; a step with a non-finite gradient is skipped (no optimizer
// update, parameters unchanged), counted and reported. fp16 scales the loss by DeepSpeed's loss scaler
// (loss_scaler.h) and unscales the gradients before clipping.
//
// Device: the engine keeps everything on the model's device (Gpt2Model::device()); on the GPU the
// Communicator must reduce device buffers (NCCL), and mixed precision rounds with the same kernels
// (kernels/mixed_round) as on the CPU. On the
// GPU, offload_optimizer.device: cpu keeps the owned shard's fp32 master and optimizer states in pinned
// host memory and steps them there (optimizer_offload.h); offload_param.device: cpu (stage 3, with
// offload_optimizer) keeps the parameter shards there too. On the CPU device offload changes nothing.
//
// Every rank must call every method, in the same order (they are collective).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zl/comm/communicator.h"
#include "zl/config/resolved_config.h"
#include "zl/engine/loss_scaler.h"
#include "zl/engine/partition.h"
#include "zl/engine/zero_storage.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/gpt2_model.h"
#include "zl/runtime/optimizer.h"

namespace zl::engine {

class OptimizerOffload;
class WallClockBreakdown;

// One layer's model state as this rank holds it, for checkpoints (zl/checkpoint): elements
// [begin, end) of the layer's flat (unpadded) parameter buffer as fp32 master weights and as each
// optimizer state (in the order of Engine::optimizer_state_names()). The tensors are views of the
// engine's own buffers, end - begin elements each: reading them saves, overwriting them and then
// calling Engine::finish_state_load restores. Stage 0 holds every element of every layer; stages 1-3
// hold the owned shard [r*shard, (r+1)*shard) cut at the layer's size (padding is never exposed).
struct HeldState {
  std::size_t layer = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
  runtime::Tensor master;                  // undefined when the range is empty
  std::vector<runtime::Tensor> optimizer;  // empty when the range is empty
};

struct StepResult {
  double loss = 0.0;        // mean token loss over the global batch (nats)
  double grad_norm = 0.0;   // global L2 norm before clipping
  std::int64_t tokens = 0;  // tokens in the global batch
  // Mixed precision: whether the step was skipped (no optimizer update) and why ("overflow": fp16
  // gradients overflowed under the loss scale; "nonfinite": a bf16 gradient is inf/NaN), and the loss
  // scale the step used (1 without fp16 loss scaling).
  bool skipped = false;
  std::string skipped_reason;
  double loss_scale = 1.0;
};

class Engine {
 public:
  // `training` is a resolved, validated configuration (configtool's resolve()): the engine does not
  // re-check what validation owns (fp16 and bf16 both enabled, a 16-bit communication_data_type other
  // than the working dtype, offload_param without offload_optimizer on the GPU).
  Engine(runtime::Gpt2Model& model, comm::Communicator& comm, const config::TrainingSettings& training,
         runtime::Allocator& allocator = runtime::default_allocator());
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  [[nodiscard]] int stage() const { return storage_->stage(); }
  [[nodiscard]] const Partition& partition() const { return partition_; }
  [[nodiscard]] ZeroStorage& storage() { return *storage_; }
  [[nodiscard]] comm::Communicator& communicator() { return comm_; }

  // GPT-2 initialization from the seed (identical on every rank, then stored as the stage stores it).
  void initialize(std::uint64_t seed);
  // Runs `load` (e.g. reading a safetensors file through the storage's acquire/release) in load mode.
  template <typename Load>
  void load_parameters(Load&& load) {
    storage_->begin_parameter_load();
    load(static_cast<runtime::ParameterStorage&>(*storage_));
    storage_->end_parameter_load();
    after_parameter_load();
  }

  // Under mixed precision, throws zl::Error (on every rank alike) when the fp16 loss scale would fall
  // below fp16.min_loss_scale.
  StepResult train_step(const runtime::BatchSampler& sampler, std::int64_t step, double lr);

  // The working dtype (fp32, bf16 or fp16), the loss scaler and the skipped steps so far.
  [[nodiscard]] runtime::DType working_dtype() const { return working_; }
  [[nodiscard]] const LossScaler& loss_scaler() const { return scaler_; }
  [[nodiscard]] std::int64_t skipped_steps() const { return skipped_steps_; }
  // Checkpoints: the loss scaler's state and the skipped-step count, restored on every rank alike.
  void restore_loss_scaler(const LossScalerState& state, std::int64_t skipped_steps);

  // The full parameters of layer i (gathered at stage 3), the same on every rank.
  std::vector<float> full_parameters(std::size_t layer);

  // Checkpoint access (not collective, except finish_state_load). held_state() allocates the
  // optimizer's (zero) state when no step has run yet, so a state can be loaded before the first step.
  [[nodiscard]] std::vector<HeldState> held_state();
  [[nodiscard]] std::vector<std::string> optimizer_state_names() const { return optimizer_->state_names(); }
  [[nodiscard]] std::string optimizer_name() const { return optimizer_->name(); }
  [[nodiscard]] std::int64_t optimizer_steps() const { return optimizer_->steps_taken(); }
  // Collective: after every rank overwrote its held_state(), restores the optimizer's step count and
  // redistributes the parameters as the stage keeps them (the owned shards all-gathered at stages 1-2,
  // the persistent layers at stage 3).
  void finish_state_load(std::int64_t optimizer_steps);

 private:
  runtime::Gpt2Model& model_;
  comm::Communicator& comm_;
  config::TrainingSettings training_;
  Partition partition_;
  std::unique_ptr<ZeroStorage> storage_;
  std::unique_ptr<runtime::Optimizer> optimizer_;
  std::unique_ptr<OptimizerOffload> offload_;      // offload_optimizer.device: cpu on device: cuda
  std::unique_ptr<WallClockBreakdown> breakdown_;  // wall_clock_breakdown (inactive when false)
  [[nodiscard]] bool mixed() const;
  // The optimizer update of the owned shard: on the host when the optimizer is offloaded.
  void optimizer_step(const std::vector<runtime::Tensor>& params, const std::vector<runtime::Tensor>& grads, double lr);
  void after_parameter_load();
  // From the boundary reduction to the optimizer update; finish_mixed_step under mixed precision.
  StepResult finish_step(double loss_sum, std::int64_t global_tokens, std::int64_t step, double lr);
  StepResult finish_mixed_step(const std::vector<runtime::Tensor>& params, const std::vector<runtime::Tensor>& grads,
                               double loss_sum, std::int64_t global_tokens, std::int64_t step, double lr);

  runtime::DType working_ = runtime::DType::kF32;
  LossScaler scaler_ = LossScaler::none();
  std::int64_t skipped_steps_ = 0;
};

}  // namespace zl::engine
