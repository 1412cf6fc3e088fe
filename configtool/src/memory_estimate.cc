// ZeRO model-state and buffer bytes per rank; see memory_estimate.h for the formulas.
#include "zl/config/memory_estimate.h"

#include <algorithm>
#include <cstdio>

#include "zl/base/error.h"

namespace zl::config {

std::int64_t padded_layer_size(std::int64_t n, int world_size) {
  const std::int64_t w = std::max(1, world_size);
  return (n + w - 1) / w * w;
}

MemoryEstimate estimate_memory(const MemoryEstimateRequest& r) {
  const ZeroSettings& z = r.zero;
  if (z.stage < 0 || z.stage > 3)
    throw ConfigError("ZeRO stage " + std::to_string(z.stage) + " does not exist; use 0, 1, 2 or 3");
  if (r.world_size < 1) throw ConfigError("the number of processes must be at least 1");
  const bool offload_param = z.offload_param.device != OffloadDevice::kNone;
  const bool offload_optimizer = z.offload_optimizer.device != OffloadDevice::kNone;
  if (offload_param && z.stage < 3) {
    throw ConfigError("parameter offload needs ZeRO stage 3 (asked at stage " + std::to_string(z.stage) + ")");
  }
  if (offload_optimizer && z.stage < 1) {
    throw ConfigError("optimizer offload needs ZeRO stage 1 or higher (asked at stage 0)");
  }
  const std::int64_t n = r.world_size;
  MemoryEstimate e;
  e.stage = z.stage;
  for (const std::int64_t count : r.layer_parameters) {
    e.parameters += count;
    e.padded_parameters += padded_layer_size(count, r.world_size);
  }
  const std::int64_t full = e.padded_parameters;
  const std::int64_t shard = full / n;
  const bool mixed = r.precision != Precision::kNo;
  const std::int64_t param_elem = mixed ? 2 : 4;
  const std::int64_t grad_elem = mixed ? 2 : 4;
  const std::int64_t optimizer_elem = 8;           // Adam m and v in fp32
  const std::int64_t master_elem = mixed ? 4 : 0;  // fp32 copy only when training in 16 bits

  e.params_bytes = (z.stage >= 3 ? shard : full) * param_elem;
  e.grads_bytes = (z.stage >= 2 ? shard : full) * grad_elem;
  e.optimizer_bytes = (z.stage >= 1 ? shard : full) * optimizer_elem;
  e.master_bytes = (z.stage >= 1 ? shard : full) * master_elem;
  if (offload_optimizer) {
    e.offloaded_bytes += e.optimizer_bytes + e.master_bytes;
    e.optimizer_bytes = 0;
    e.master_bytes = 0;
  }
  if (offload_param) {
    e.offloaded_bytes += e.params_bytes;
    e.params_bytes = 0;
  }

  e.reduce_bucket_bytes = std::min(z.reduce_bucket_size, full) * grad_elem * (z.overlap_comm ? 2 : 1);
  if (z.stage == 3) {
    e.prefetch_bucket_bytes = std::min(z.stage3_prefetch_bucket_size, full) * param_elem;
    for (const std::int64_t count : r.layer_parameters) {
      if (count < z.stage3_param_persistence_threshold) {
        e.persistent_params_bytes += (count - padded_layer_size(count, r.world_size) / n) * param_elem;
      }
    }
    e.persistent_params_bytes = std::max<std::int64_t>(0, e.persistent_params_bytes);
  }
  return e;
}

std::vector<std::string> memory_regressions(const std::vector<MemoryEstimate>& by_stage) {
  std::vector<std::string> notes;
  for (std::size_t i = 1; i < by_stage.size(); ++i) {
    const MemoryEstimate& lo = by_stage[i - 1];
    const MemoryEstimate& hi = by_stage[i];
    if (hi.total_bytes() <= lo.total_bytes()) continue;
    const std::int64_t saved = lo.model_state_bytes() - hi.model_state_bytes();
    const std::int64_t extra = hi.buffer_bytes() - lo.buffer_bytes();
    std::string why;
    if (saved <= 0) {
      why = "sharding saves nothing more here";
    } else {
      why = "sharding saves only " + format_bytes(saved) + " of model states, while the fixed buffers grow by " +
            format_bytes(extra) + " (";
      std::string parts;
      if (hi.reduce_bucket_bytes > lo.reduce_bucket_bytes) parts += "a second reduce bucket for overlap_comm";
      if (hi.prefetch_bucket_bytes > lo.prefetch_bucket_bytes)
        parts += std::string(parts.empty() ? "" : ", ") + "the stage-3 prefetch bucket";
      if (hi.persistent_params_bytes > lo.persistent_params_bytes)
        parts += std::string(parts.empty() ? "" : ", ") + "small layers kept whole";
      why += (parts.empty() ? "buffers" : parts) + ")";
    }
    notes.push_back("stage " + std::to_string(hi.stage) + " needs MORE memory per rank than stage " +
                    std::to_string(lo.stage) + " (" + format_bytes(hi.total_bytes()) + " vs " +
                    format_bytes(lo.total_bytes()) + "): " + why + "; for a model this small, prefer stage " +
                    std::to_string(lo.stage) +
                    " or lower the bucket sizes (reduce_bucket_size, stage3_prefetch_bucket_size)");
  }
  return notes;
}

std::string format_bytes(std::int64_t bytes) {
  static const char* const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000.0 && unit < 5) {
    value /= 1000.0;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof(text), "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof(text), "%.4g %s", value, units[unit]);
  }
  return text;
}

}  // namespace zl::config
