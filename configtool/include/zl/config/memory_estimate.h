// Per-rank memory of ZeRO's model states (ZeRO paper, §3 and Table 1) and of the fixed communication
// buffers, for one stage. The runtime's memory accounting must agree with these numbers (DESIGN.md §4):
//
//   mixed precision (fp16/bf16, K = 12): params 2Ψ, grads 2Ψ, optimizer states (Adam m, v) 8Ψ,
//                                        fp32 master weights 4Ψ
//   fp32:                                params 4Ψ, grads 4Ψ, optimizer states 8Ψ, no separate master
//
// divided by the world size N as in DESIGN.md §4: stage 1 shards optimizer states + master weights,
// stage 2 also gradients, stage 3 also parameters. Ψ is padded per layer to a multiple of N (each
// layer's flat buffer is split evenly), so the per-rank shard is padded(Ψ)/N and a full copy is
// padded(Ψ). Offload moves optimizer states + master weights (offload_optimizer) or the parameter
// shard (offload_param, stage 3 only) to host memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zl/config/resolved_config.h"

namespace zl::config {

struct MemoryEstimateRequest {
  // Parameter count of each layer (one entry for a flat --params count). Padding is per entry.
  std::vector<std::int64_t> layer_parameters;
  int world_size = 1;
  Precision precision = Precision::kNo;  // kNo = fp32 training
  // What is read of it: stage, overlap_comm (two reduce buckets, one filling while the other is
  // reduced), the buffer sizes in elements (reduce_bucket_size, stage3_prefetch_bucket_size,
  // stage3_param_persistence_threshold; a bucket never holds more than the model, so each is capped at
  // padded(Ψ)) and the offload devices. Its defaults are DeepSpeed's (resolved_config.h).
  ZeroSettings zero;
};

struct MemoryEstimate {
  int stage = 0;
  std::int64_t parameters = 0;         // Ψ
  std::int64_t padded_parameters = 0;  // Σ per-layer counts rounded up to multiples of N
  // Model states on the accelerator (or in host memory for device cpu), bytes per rank.
  std::int64_t params_bytes = 0;
  std::int64_t grads_bytes = 0;
  std::int64_t optimizer_bytes = 0;
  std::int64_t master_bytes = 0;
  // Offloaded model states in host memory, bytes per rank.
  std::int64_t offloaded_bytes = 0;
  // Fixed buffers, bytes per rank.
  std::int64_t reduce_bucket_bytes = 0;
  std::int64_t prefetch_bucket_bytes = 0;
  std::int64_t persistent_params_bytes = 0;  // stage 3: layers below the threshold kept whole, beyond their shard

  [[nodiscard]] std::int64_t model_state_bytes() const {
    return params_bytes + grads_bytes + optimizer_bytes + master_bytes;
  }
  [[nodiscard]] std::int64_t buffer_bytes() const {
    return reduce_bucket_bytes + prefetch_bucket_bytes + persistent_params_bytes;
  }
  [[nodiscard]] std::int64_t total_bytes() const { return model_state_bytes() + buffer_bytes(); }
};

// Throws zl::ConfigError for an impossible request (stage out of 0..3, world size < 1, offload_param
// below stage 3, offload_optimizer at stage 0).
MemoryEstimate estimate_memory(const MemoryEstimateRequest& request);

// Padded size of one layer: n rounded up to a multiple of the world size.
std::int64_t padded_layer_size(std::int64_t n, int world_size);

// Plain-words notes when a higher stage needs more memory per rank than a lower one (the fixed
// buffers outweigh the sharding savings), one line per such pair, saying why.
std::vector<std::string> memory_regressions(const std::vector<MemoryEstimate>& by_stage);

// "41.25 GB" style, decimal units (as the ZeRO paper).
std::string format_bytes(std::int64_t bytes);

}  // namespace zl::config
