// Per-rank memory of one ZeRO stage, by the accounting allocator's kinds (runtime/include/zl/runtime/
// allocator.h): model states (ZeRO paper, §3 and Table 1), activations and buffers. The runtime's
// accounting must agree with these numbers (DESIGN.md §4); tests/engine/memory_estimate_vs_allocator_test
// holds them against the allocator's measured peaks.
//
// Model states, exactly as the engine allocates them, per layer of n parameters padded to p (a multiple
// of the world size N, zero_layout.h) with shard p/N:
//   mixed precision (fp16/bf16, K = 12): params 2 bytes, grads 2, optimizer states (Adam m, v) 8,
//                                        fp32 master weights 4
//   fp32:                                params 4, grads 4, optimizer states 8, no separate master
// (SGD keeps 4 bytes of momentum instead of Adam's 8), of these elements (DESIGN.md §4 table):
//   stage 0: n of everything; stage 1: p of params and grads, the shard of master and optimizer states;
//   stage 2: also grads the shard; stage 3: also params the shard, except layers below
//   stage3_param_persistence_threshold, which stay whole (p).
// Offload (on cuda; the engine applies it nowhere else) moves optimizer states + master weights
// (offload_optimizer; with fp32 training the host keeps an fp32 master copy too) or the non-persistent
// parameter shards (offload_param, stage 3 only) to host memory.
//
// Buffers: the most bytes of MemoryKind::kBuffers alive at once, replayed from the engine's rules over
// parameter loading and training steps (configtool/src/buffer_replay.h), and what was alive at that
// moment. Activations: exact for the named model (configtool/src/activation_bytes.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"
#include "zl/config/zero_layout.h"

namespace zl::config {

struct MemoryEstimateRequest {
  // Parameter count of each layer (one entry for a flat --params count). Padding is per entry.
  std::vector<std::int64_t> layer_parameters;
  int world_size = 1;
  Precision precision = Precision::kNo;  // kNo = fp32 training
  // What is read of it: stage, overlap_comm, the bucket sizes, the stage3_* settings and the offload
  // devices. Its defaults are DeepSpeed's (resolved_config.h).
  ZeroSettings zero;
  OptimizerType optimizer = OptimizerType::kAdamW;
  CommDataType communication_data_type = CommDataType::kWorking;  // the dtype of gradient reductions
  int gradient_accumulation_steps = 1;
  // Where the ranks compute. On cuda the estimate is of device memory: offload applies, and the
  // micro-batch's tokens and targets are copied to the device.
  DeviceKind device = DeviceKind::kCuda;
  // The model whose layers layer_parameters lists (from ModelSpec::layer_parameter_counts), trained on
  // micro-batches of micro_batch sequences of `context` tokens (0 = the model's block_size); without
  // one, activations and the token buffers are not counted.
  std::optional<ModelSpec> model;
  int micro_batch = 1;
  int context = 0;
  [[nodiscard]] int tokens_per_sequence() const { return context > 0 ? context : model ? model->block_size : 0; }
};

struct MemoryEstimate {
  int stage = 0;
  std::int64_t parameters = 0;         // Ψ
  std::int64_t padded_parameters = 0;  // Σ per-layer counts rounded up to multiples of N
  // Model states in the ranks' memory (the accelerator's on cuda), bytes per rank.
  std::int64_t params_bytes = 0;
  std::int64_t grads_bytes = 0;
  std::int64_t optimizer_bytes = 0;
  std::int64_t master_bytes = 0;
  std::int64_t persistent_params_bytes = 0;  // stage 3: of params_bytes, small layers kept whole beyond their shard
  // Offloaded model states in host memory, bytes per rank.
  std::int64_t offloaded_bytes = 0;
  // Activations of a training micro-batch (0 without a model).
  std::int64_t activation_bytes = 0;
  // Buffers alive at their peak, by what they are for, bytes per rank.
  std::int64_t reduce_bucket_bytes = 0;    // gradient reduce-scatter / all-reduce buckets
  std::int64_t gather_bucket_bytes = 0;    // stages 1-2: all-gather buckets of the updated shards
  std::int64_t prefetch_bucket_bytes = 0;  // stage 3: whole layers gathered for use, prefetched or kept for reuse
  std::int64_t gradient_buffer_bytes = 0;  // stages 2-3: full fp32 gradients of layers not yet in a launched bucket
  std::int64_t fp32_copy_bytes = 0;        // mixed precision: fp32 copies of 16-bit parameters and gradients
  std::int64_t load_buffer_bytes = 0;      // fp32 buffers of parameter loading
  std::int64_t token_buffer_bytes = 0;     // cuda: tokens and targets on the device
  std::string buffer_peak_at;              // where the peak occurs ("step 2, backward, layer 3"); "" = no buffers
  // The kinds computed exactly ("params", "grads", "optimizer", "master", "buffers", "activations"), and
  // plain-words notes on what the numbers do not count.
  std::vector<std::string> exact;
  std::vector<std::string> leaves_out;

  [[nodiscard]] std::int64_t model_state_bytes() const {
    return params_bytes + grads_bytes + optimizer_bytes + master_bytes;
  }
  [[nodiscard]] std::int64_t buffer_bytes() const {
    return reduce_bucket_bytes + gather_bucket_bytes + prefetch_bucket_bytes + gradient_buffer_bytes + fp32_copy_bytes +
           load_buffer_bytes + token_buffer_bytes;
  }
  // Model states and buffers (what the stage choice changes).
  [[nodiscard]] std::int64_t total_bytes() const { return model_state_bytes() + buffer_bytes(); }
  // Every kind: the rank's peak from the second training step on, when all of them are allocated.
  [[nodiscard]] std::int64_t total_with_activations_bytes() const { return total_bytes() + activation_bytes; }
};

// Throws zl::ConfigError for an impossible request (stage out of 0..3, world size < 1, offload_param
// below stage 3, offload_optimizer at stage 0, buckets so small that a step would take more than 10^7
// collectives).
MemoryEstimate estimate_memory(const MemoryEstimateRequest& request);

// The request for what the engine trains under `config`: its model (launch.model), world size, precision
// (the DeepSpeed fp16 / bf16 blocks), zero_optimization block, optimizer, communication dtype, micro-batch
// and device. Throws zl::ConfigError when launch.model is not a model (parse_model_spec).
MemoryEstimateRequest memory_estimate_request(const ResolvedConfig& config);

// Writes the estimate for `config` to `path` (memory_estimate.json, atomically):
//   {"model": launch.model, "parameters": Ψ, "zero_stage": S, "world_size": N, "precision": "fp32|fp16|bf16",
//    "per_rank_bytes": {"params", "grads", "optimizer", "master", "activations", "buffers", "total"},
//    "exact": [kinds computed exactly], "leaves_out": [what is not counted]}
// where total = total_with_activations_bytes(). `context`: the tokens per sequence trained, when the
// program knows it (train on its built-in task or with --context); 0 = the model's block_size.
void write_memory_estimate(const ResolvedConfig& config, const std::string& path, int context = 0);

// Plain-words notes when a higher stage needs more memory per rank than a lower one (the fixed
// buffers outweigh the sharding savings), one line per such pair, saying why.
std::vector<std::string> memory_regressions(const std::vector<MemoryEstimate>& by_stage);

// "41.25 GB" style, decimal units (as the ZeRO paper).
std::string format_bytes(std::int64_t bytes);

}  // namespace zl::config
