// ZeRO model-state, activation and buffer bytes per rank; see memory_estimate.h for the rules.
#include "zl/config/memory_estimate.h"

#include <algorithm>
#include <cstdio>

#include "activation_bytes.h"
#include "buffer_replay.h"
#include "zl/base/error.h"

namespace zl::config {
namespace {

// Bytes per element of the gradient reductions (Engine's reduce_dtype: the working dtype, or as set).
int reduce_bytes(CommDataType type, int working_bytes) {
  switch (type) {
    case CommDataType::kWorking:
      return working_bytes;
    case CommDataType::kFp32:
      return 4;
    case CommDataType::kFp16:
    case CommDataType::kBf16:
      return 2;
  }
  return working_bytes;
}

void check_request(const MemoryEstimateRequest& r) {
  const ZeroSettings& z = r.zero;
  if (z.stage < 0 || z.stage > 3)
    throw ConfigError("ZeRO stage " + std::to_string(z.stage) + " does not exist; use 0, 1, 2 or 3");
  if (r.world_size < 1) throw ConfigError("the number of processes must be at least 1");
  if (z.offload_param.device != OffloadDevice::kNone && z.stage < 3) {
    throw ConfigError("parameter offload needs ZeRO stage 3 (asked at stage " + std::to_string(z.stage) + ")");
  }
  if (z.offload_optimizer.device != OffloadDevice::kNone && z.stage < 1) {
    throw ConfigError("optimizer offload needs ZeRO stage 1 or higher (asked at stage 0)");
  }
}

// The model states (memory_estimate.h), layer by layer as the stages allocate them.
void add_model_states(const MemoryEstimateRequest& r, MemoryEstimate& e) {
  const ZeroSettings& z = r.zero;
  const bool mixed = r.precision != Precision::kNo;
  const std::int64_t working = mixed ? 2 : 4;
  const std::int64_t optimizer = r.optimizer == OptimizerType::kSgd ? 4 : 8;  // momentum, or Adam's m and v
  const bool on_cuda = r.device == DeviceKind::kCuda;
  const bool offload_param = on_cuda && z.offload_param.device != OffloadDevice::kNone;
  const bool offload_optimizer = on_cuda && z.offload_optimizer.device != OffloadDevice::kNone;
  for (const std::int64_t n : r.layer_parameters) {
    const std::int64_t padded = padded_layer_size(n, r.world_size);
    const std::int64_t shard = padded / r.world_size;
    const bool persistent = z.stage == 3 && n < z.stage3_param_persistence_threshold;
    e.parameters += n;
    e.padded_parameters += padded;
    const std::int64_t params = z.stage == 0 ? n : z.stage < 3 || persistent ? padded : shard;
    const std::int64_t grads = z.stage == 0 ? n : z.stage == 1 ? padded : shard;
    const std::int64_t owned = z.stage == 0 ? n : shard;
    const bool params_on_host = offload_param && !persistent;  // Stage3Storage: persistent layers stay
    (params_on_host ? e.offloaded_bytes : e.params_bytes) += params * working;
    if (persistent) e.persistent_params_bytes += (padded - shard) * working;
    e.grads_bytes += grads * working;
    if (offload_optimizer) {
      // OptimizerOffload: states next to the host masters; fp32 training copies device-resident owned
      // parameters into host masters.
      e.offloaded_bytes += owned * optimizer + (mixed || !params_on_host ? owned * 4 : 0);
    } else {
      e.optimizer_bytes += owned * optimizer;
      if (mixed) e.master_bytes += owned * 4;
    }
  }
}

void add_buffers(const MemoryEstimateRequest& r, MemoryEstimate& e) {
  BufferReplayRequest b;
  b.layer_sizes = r.layer_parameters;
  b.world_size = r.world_size;
  b.zero = r.zero;
  b.working_bytes = r.precision != Precision::kNo ? 2 : 4;
  b.reduce_bytes = reduce_bytes(r.communication_data_type, b.working_bytes);
  b.micro_steps = r.gradient_accumulation_steps;
  if (r.device == DeviceKind::kCuda && r.model) b.tokens = std::int64_t{r.micro_batch} * r.tokens_per_sequence();
  const BufferPeak peak = replay_buffer_peak(b);
  const auto part = [&](BufferUse use) { return peak.parts[static_cast<std::size_t>(use)]; };
  e.reduce_bucket_bytes = part(BufferUse::kReduceBucket);
  e.gather_bucket_bytes = part(BufferUse::kGatherBucket);
  e.prefetch_bucket_bytes = part(BufferUse::kGatheredLayer);
  e.gradient_buffer_bytes = part(BufferUse::kFullGradient);
  e.fp32_copy_bytes = part(BufferUse::kFp32Copy);
  e.load_buffer_bytes = part(BufferUse::kLoad);
  e.token_buffer_bytes = part(BufferUse::kTokens);
  e.buffer_peak_at = peak.when;
}

void describe_coverage(const MemoryEstimateRequest& r, MemoryEstimate& e) {
  e.exact = {"params", "grads", "optimizer", "master", "buffers"};
  if (r.model) {
    e.exact.emplace_back("activations");
    if (r.context > 0) {
      e.leaves_out.push_back("activations are for sequences of " + std::to_string(r.context) + " tokens");
    } else {
      e.leaves_out.push_back("activations are for sequences of block_size = " + std::to_string(r.model->block_size) +
                             " tokens; a shorter train --context needs less");
    }
  } else {
    e.leaves_out.emplace_back(
        "activations and the token buffers: no model given; the parameters count as one layer, so the buffers "
        "are those of a model of one layer");
  }
  e.leaves_out.emplace_back(
      "evaluation, generation and checkpoints: only parameter initialization and training steps are counted");
  e.leaves_out.emplace_back(
      "memory outside the accounting allocator: the communication backend's own buffers, the CUDA context, "
      "the program and its threads");
  if (e.offloaded_bytes > 0) {
    e.leaves_out.push_back("host memory: " + format_bytes(e.offloaded_bytes) +
                           " of offloaded model states and the offloaded optimizer's fp32 gradient staging buffers");
  }
}

}  // namespace

MemoryEstimate estimate_memory(const MemoryEstimateRequest& r) {
  check_request(r);
  MemoryEstimate e;
  e.stage = r.zero.stage;
  add_model_states(r, e);
  add_buffers(r, e);
  if (r.model) e.activation_bytes = training_activation_bytes(*r.model, r.micro_batch, r.tokens_per_sequence());
  describe_coverage(r, e);
  return e;
}

MemoryEstimateRequest memory_estimate_request(const ResolvedConfig& config) {
  const TrainingSettings& t = config.training;
  MemoryEstimateRequest r;
  r.model = parse_model_spec(config.launch.model, "model");
  r.layer_parameters = r.model->layer_parameter_counts();
  r.world_size = config.launch.num_processes;
  r.precision = t.fp16.enabled ? Precision::kFp16 : t.bf16_enabled ? Precision::kBf16 : Precision::kNo;
  r.zero = t.zero_optimization;
  r.optimizer = t.optimizer.type;
  r.communication_data_type = t.communication_data_type;
  r.gradient_accumulation_steps = t.gradient_accumulation_steps;
  r.device = config.launch.device;
  r.micro_batch = t.train_micro_batch_size_per_gpu;
  return r;
}

void write_memory_estimate(const ResolvedConfig& config, const std::string& path, int context) {
  MemoryEstimateRequest r = memory_estimate_request(config);
  r.context = context;
  const MemoryEstimate e = estimate_memory(r);
  const char* precision = r.precision == Precision::kFp16 ? "fp16" : r.precision == Precision::kBf16 ? "bf16" : "fp32";
  const nlohmann::json document = {{"model", config.launch.model},
                                   {"parameters", e.parameters},
                                   {"zero_stage", e.stage},
                                   {"world_size", r.world_size},
                                   {"precision", precision},
                                   {"per_rank_bytes",
                                    {{"params", e.params_bytes},
                                     {"grads", e.grads_bytes},
                                     {"optimizer", e.optimizer_bytes},
                                     {"master", e.master_bytes},
                                     {"activations", e.activation_bytes},
                                     {"buffers", e.buffer_bytes()},
                                     {"total", e.total_with_activations_bytes()}}},
                                   {"exact", e.exact},
                                   {"leaves_out", e.leaves_out}};
  write_json_file_atomically(document, path);
}

std::vector<std::string> memory_regressions(const std::vector<MemoryEstimate>& by_stage) {
  // Each part of the buffers' peak, and the setting that sizes it ("" for none).
  struct Part {
    std::int64_t MemoryEstimate::*bytes;
    const char* what;
    const char* key;
  };
  static const Part parts[] = {
      {&MemoryEstimate::reduce_bucket_bytes, "gradient reduction buckets", "reduce_bucket_size"},
      {&MemoryEstimate::gather_bucket_bytes, "parameter all-gather buckets", "allgather_bucket_size"},
      {&MemoryEstimate::prefetch_bucket_bytes, "the stage-3 layers gathered for use and prefetch",
       "stage3_prefetch_bucket_size"},
      {&MemoryEstimate::gradient_buffer_bytes, "full gradients waiting for their reduce-scatter bucket",
       "reduce_bucket_size"},
      {&MemoryEstimate::fp32_copy_bytes, "fp32 copies of 16-bit parameters and gradients", ""},
      {&MemoryEstimate::load_buffer_bytes, "parameter-load buffers", ""},
      {&MemoryEstimate::token_buffer_bytes, "token buffers", ""},
  };
  std::vector<std::string> notes;
  for (std::size_t i = 1; i < by_stage.size(); ++i) {
    const MemoryEstimate& lo = by_stage[i - 1];
    const MemoryEstimate& hi = by_stage[i];
    if (hi.total_bytes() <= lo.total_bytes()) continue;
    const std::int64_t saved = lo.model_state_bytes() - hi.model_state_bytes();
    const std::int64_t extra = hi.buffer_bytes() - lo.buffer_bytes();
    std::string grown;
    std::string keys;
    for (const Part& p : parts) {
      if (hi.*p.bytes <= lo.*p.bytes) continue;
      grown += std::string(grown.empty() ? "" : ", ") + p.what;
      if (*p.key != '\0' && keys.find(p.key) == std::string::npos)
        keys += std::string(keys.empty() ? "" : ", ") + p.key;
    }
    const std::string why = saved <= 0 ? std::string("sharding saves nothing more here")
                                       : "sharding saves only " + format_bytes(saved) +
                                             " of model states, while the buffers at their peak grow by " +
                                             format_bytes(extra) + " (" + (grown.empty() ? "buffers" : grown) + ")";
    notes.push_back("stage " + std::to_string(hi.stage) + " needs MORE memory per rank than stage " +
                    std::to_string(lo.stage) + " (" + format_bytes(hi.total_bytes()) + " vs " +
                    format_bytes(lo.total_bytes()) + "): " + why + "; for a model this small, prefer stage " +
                    std::to_string(lo.stage) + (keys.empty() ? "" : " or lower " + keys));
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
