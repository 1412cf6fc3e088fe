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
// Every rank must call every method, in the same order (they are collective).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "zl/comm/communicator.h"
#include "zl/config/resolved_config.h"
#include "zl/engine/partition.h"
#include "zl/engine/zero_storage.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/gpt2_model.h"
#include "zl/runtime/optimizer.h"

namespace zl::engine {

struct StepResult {
  double loss = 0.0;       // mean token loss over the global batch (nats)
  double grad_norm = 0.0;  // global L2 norm before clipping
  std::int64_t tokens = 0; // tokens in the global batch
};

class Engine {
 public:
  // Throws zl::UnavailableError for what this engine does not do yet (fp16/bf16 training), and
  // zl::ConfigError for a stage outside 0-3.
  Engine(runtime::Gpt2Model& model, comm::Communicator& comm, const config::TrainingSettings& training,
         runtime::Allocator& allocator = runtime::default_allocator());

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
  }

  StepResult train_step(const runtime::BatchSampler& sampler, std::int64_t step, double lr);

  // The full parameters of layer i (gathered at stage 3), the same on every rank.
  std::vector<float> full_parameters(std::size_t layer);

 private:
  runtime::Gpt2Model& model_;
  comm::Communicator& comm_;
  config::TrainingSettings training_;
  Partition partition_;
  std::unique_ptr<ZeroStorage> storage_;
  std::unique_ptr<runtime::Optimizer> optimizer_;
};

}  // namespace zl::engine
