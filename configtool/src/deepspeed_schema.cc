// Key table and walker for DeepSpeed JSON documents (see deepspeed_schema.h for the contract).
#include "zl/config/deepspeed_schema.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "zl/config/json_integer.h"

namespace zl::config {
namespace {

using nlohmann::json;

enum class Kind { kInt, kNumber, kBool, kString, kPair, kSection };

struct KeySpec {
  std::string_view path;
  Kind kind;
};

// Keys zlaunch implements, with their JSON types.
constexpr KeySpec kSupported[] = {
    {"train_batch_size", Kind::kInt},
    {"train_micro_batch_size_per_gpu", Kind::kInt},
    {"gradient_accumulation_steps", Kind::kInt},
    {"gradient_clipping", Kind::kNumber},
    {"steps_per_print", Kind::kInt},
    {"wall_clock_breakdown", Kind::kBool},
    {"seed", Kind::kInt},
    {"zero_allow_untested_optimizer", Kind::kBool},
    {"communication_data_type", Kind::kString},
    {"fp16", Kind::kSection},
    {"fp16.enabled", Kind::kBool},
    {"fp16.loss_scale", Kind::kNumber},
    {"fp16.initial_scale_power", Kind::kInt},
    {"fp16.loss_scale_window", Kind::kInt},
    {"fp16.hysteresis", Kind::kInt},
    {"fp16.consecutive_hysteresis", Kind::kBool},
    {"fp16.min_loss_scale", Kind::kNumber},
    {"bf16", Kind::kSection},
    {"bf16.enabled", Kind::kBool},
    {"optimizer", Kind::kSection},
    {"optimizer.type", Kind::kString},
    {"optimizer.params", Kind::kSection},
    {"optimizer.params.lr", Kind::kNumber},
    {"optimizer.params.betas", Kind::kPair},
    {"optimizer.params.eps", Kind::kNumber},
    {"optimizer.params.weight_decay", Kind::kNumber},
    {"optimizer.params.momentum", Kind::kNumber},
    {"optimizer.params.adam_w_mode", Kind::kBool},
    {"optimizer.params.torch_adam", Kind::kBool},
    {"optimizer.params.bias_correction", Kind::kBool},
    {"optimizer.params.amsgrad", Kind::kBool},
    {"optimizer.params.dampening", Kind::kNumber},
    {"optimizer.params.nesterov", Kind::kBool},
    {"scheduler", Kind::kSection},
    {"scheduler.type", Kind::kString},
    {"scheduler.params", Kind::kSection},
    {"scheduler.params.warmup_min_lr", Kind::kNumber},
    {"scheduler.params.warmup_max_lr", Kind::kNumber},
    {"scheduler.params.warmup_num_steps", Kind::kInt},
    {"scheduler.params.warmup_type", Kind::kString},
    {"scheduler.params.total_num_steps", Kind::kInt},
    {"scheduler.params.warmup_min_ratio", Kind::kNumber},
    {"scheduler.params.cos_min_ratio", Kind::kNumber},
    {"zero_optimization", Kind::kSection},
    {"zero_optimization.stage", Kind::kInt},
    {"zero_optimization.overlap_comm", Kind::kBool},
    {"zero_optimization.contiguous_gradients", Kind::kBool},
    {"zero_optimization.reduce_scatter", Kind::kBool},
    {"zero_optimization.reduce_bucket_size", Kind::kInt},
    {"zero_optimization.allgather_bucket_size", Kind::kInt},
    {"zero_optimization.offload_optimizer", Kind::kSection},
    {"zero_optimization.offload_optimizer.device", Kind::kString},
    {"zero_optimization.offload_optimizer.pin_memory", Kind::kBool},
    {"zero_optimization.offload_param", Kind::kSection},
    {"zero_optimization.offload_param.device", Kind::kString},
    {"zero_optimization.offload_param.pin_memory", Kind::kBool},
    {"zero_optimization.stage3_prefetch_bucket_size", Kind::kInt},
    {"zero_optimization.stage3_param_persistence_threshold", Kind::kInt},
    {"zero_optimization.stage3_max_live_parameters", Kind::kInt},
    {"zero_optimization.stage3_max_reuse_distance", Kind::kInt},
    {"zero_optimization.stage3_gather_16bit_weights_on_model_save", Kind::kBool},
    {"zero_optimization.sub_group_size", Kind::kInt},
    {"zero_optimization.round_robin_gradients", Kind::kBool},
};

// Keys DeepSpeed knows that zlaunch does not implement: accepted and ignored with a warning. A
// section here covers everything under it.
constexpr std::string_view kKnownUnsupported[] = {
    "prescale_gradients",
    "gradient_predivide_factor",
    "sparse_gradients",
    "dump_state",
    "amp",
    "zero_force_ds_cpu_optimizer",
    "activation_checkpointing",
    "flops_profiler",
    "comms_logger",
    "monitor",
    "tensorboard",
    "wandb",
    "csv_monitor",
    "comet",
    "aio",
    "elasticity",
    "autotuning",
    "data_efficiency",
    "curriculum_learning",
    "compression_training",
    "checkpoint",
    "data_types",
    "pipeline",
    "sparse_attention",
    "tensor_parallel",
    "hybrid_engine",
    "compile",
    "torch_autocast",
    "nebula",
    "weight_quantization",
    "quantize_training",
    "eigenvalue",
    "progressive_layer_drop",
    "memory_breakdown",
    "load_universal_checkpoint",
    "dataloader_drop_last",
    "disable_allgather",
    "seq_parallel_communication_data_type",
    "timers",
    "graph_harvesting",
    "use_data_before_expert_parallel_",
    "comms_config",
    "monitor_config",
    "zero_optimization.allgather_partitions",
    "zero_optimization.load_from_fp32_weights",
    "zero_optimization.elastic_checkpoint",
    "zero_optimization.ignore_unused_parameters",
    "zero_optimization.legacy_stage1",
    "zero_optimization.memory_efficient_linear",
    "zero_optimization.zero_hpz_partition_size",
    "zero_optimization.zero_quantized_weights",
    "zero_optimization.zero_quantized_nontrainable_weights",
    "zero_optimization.zero_quantized_gradients",
    "zero_optimization.mics_shard_size",
    "zero_optimization.mics_hierarchical_params_gather",
    "zero_optimization.use_multi_rank_bucket_allreduce",
    "zero_optimization.zenflow",
    "zero_optimization.log_trace_cache_warnings",
    "zero_optimization.stage3_module_granularity_threshold",
    "zero_optimization.module_granularity_threshold",
    "zero_optimization.use_all_reduce_for_fetch_params",
    "zero_optimization.stage3_use_all_reduce_for_fetch_params",
    "zero_optimization.pipeline_loading_checkpoint",
    "zero_optimization.override_module_apply",
    "zero_optimization.model_persistence_threshold",
    "zero_optimization.stage3_model_persistence_threshold",
    "zero_optimization.offload_optimizer.buffer_count",
    "zero_optimization.offload_optimizer.fast_init",
    "zero_optimization.offload_optimizer.pipeline_read",
    "zero_optimization.offload_optimizer.pipeline_write",
    "zero_optimization.offload_optimizer.pipeline",
    "zero_optimization.offload_optimizer.ratio",
    "zero_optimization.offload_optimizer.nvme_path",
    "zero_optimization.offload_param.buffer_count",
    "zero_optimization.offload_param.buffer_size",
    "zero_optimization.offload_param.max_in_cpu",
    "zero_optimization.offload_param.nvme_path",
    "fp16.auto_cast",
    "fp16.fp16_master_weights_and_grads",
    "fp16.opt_level",
    "bf16.immediate_grad_update",
    "bf16.check_grad_overflow",
    "bf16.bf16_master_weights_and_grads",
    "bf16.bf16_optimizer_states",
    "optimizer.legacy_fusion",
    "scheduler.params.last_batch_iteration",
};

// Old spellings DeepSpeed still accepts, and the key that replaced each.
struct Alias {
  std::string_view old_path;
  std::string_view new_path;
  bool deprecated;  // false: an accepted alternative name (pydantic alias), no warning
};
constexpr Alias kAliases[] = {
    {"bfloat16", "bf16", true},
    {"zero_optimization.stage3_gather_fp16_weights_on_model_save",
     "zero_optimization.stage3_gather_16bit_weights_on_model_save", true},
    {"zero_optimization.gather_16bit_weights_on_model_save",
     "zero_optimization.stage3_gather_16bit_weights_on_model_save", false},
    {"zero_optimization.prefetch_bucket_size", "zero_optimization.stage3_prefetch_bucket_size", false},
    {"zero_optimization.param_persistence_threshold", "zero_optimization.stage3_param_persistence_threshold", false},
    {"zero_optimization.max_live_parameters", "zero_optimization.stage3_max_live_parameters", false},
    {"zero_optimization.max_reuse_distance", "zero_optimization.stage3_max_reuse_distance", false},
};

const KeySpec* find_supported(const std::string& path) {
  for (const auto& spec : kSupported) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

bool is_known_unsupported(const std::string& path) {
  return std::find(std::begin(kKnownUnsupported), std::end(kKnownUnsupported), path) != std::end(kKnownUnsupported);
}

// Names directly under `prefix` ("" = top level) that any table knows: did-you-mean candidates.
std::vector<std::string> names_under(const std::string& prefix) {
  std::vector<std::string> names;
  auto add = [&](std::string_view path) {
    if (path.substr(0, prefix.size()) != prefix) return;
    const std::string_view rest = path.substr(prefix.size());
    if (rest.find('.') == std::string_view::npos) names.emplace_back(rest);
  };
  for (const auto& spec : kSupported) add(spec.path);
  for (const auto& path : kKnownUnsupported) add(path);
  for (const auto& alias : kAliases) add(alias.old_path);
  return names;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kInt:
      return "an integer";
    case Kind::kNumber:
      return "a number";
    case Kind::kBool:
      return "true or false";
    case Kind::kString:
      return "a string";
    case Kind::kPair:
      return "a list of two numbers";
    case Kind::kSection:
      return "an object {...}";
  }
  return "?";
}

// Normalizes `value` to `kind`, or returns a discarded json when it does not fit.
json normalize(const json& value, Kind kind) {
  if (value.is_string() && value.get<std::string>() == "auto" && kind != Kind::kSection) return value;
  switch (kind) {
    case Kind::kInt:
      // DeepSpeed accepts 5e8 where an int is expected; a fractional value is an error.
      if (const auto integer = json_integer(value)) return *integer;
      break;
    case Kind::kNumber:
      if (value.is_number()) return value.get<double>();
      break;
    case Kind::kBool:
      if (value.is_boolean()) return value;
      break;
    case Kind::kString:
      if (value.is_string()) return value;
      break;
    case Kind::kPair:
      if (value.is_array() && value.size() == 2 && value[0].is_number() && value[1].is_number()) {
        return json::array({value[0].get<double>(), value[1].get<double>()});
      }
      break;
    case Kind::kSection:
      if (value.is_object()) return value;
      break;
  }
  return json(json::value_t::discarded);
}

class Walker {
 public:
  Walker(const std::string& origin, const std::string& source, Problems& problems, FlatConfig& out)
      : origin_(origin), source_(source), problems_(problems), out_(out) {}

  void walk(const json& object, const std::string& prefix) {
    for (const auto& [key, value] : object.items()) visit(prefix + key, key, value, prefix);
  }

 private:
  std::string where(const std::string& path) const { return origin_ + ": " + path; }

  void visit(const std::string& path, const std::string& key, const json& value, const std::string& prefix) {
    if (!key.empty() && key[0] == '_') {
      problems_.warning(where(path), "keys starting with '_' are treated as comments and ignored");
      return;
    }
    for (const auto& alias : kAliases) {
      if (alias.old_path == path) {
        if (alias.deprecated) {
          problems_.warning(where(path), "deprecated DeepSpeed key; accepted as '" + std::string(alias.new_path) +
                                             "' (rename it: the old name may be removed)");
        }
        const std::string new_path(alias.new_path);
        visit(new_path, new_path.substr(new_path.rfind('.') + 1), value, prefix);
        return;
      }
    }
    if (visit_legacy(path, value)) return;
    if (const KeySpec* spec = find_supported(path)) {
      const json normalized = normalize(value, spec->kind);
      if (normalized.is_discarded()) {
        problems_.error(where(path), "expected " + std::string(kind_name(spec->kind)) + ", got " + value.dump());
        return;
      }
      if (spec->kind == Kind::kSection) {
        walk_section(path, normalized);
      } else {
        out_[path] = {normalized, source_};
      }
      return;
    }
    if (path == "sequence_parallel_size") {
      // DeepSpeed divides the data-parallel size by it, which changes the batch triangle; zlaunch has
      // no sequence parallelism, so only 1 means the same training.
      if (!(value.is_number_integer() && value.get<std::int64_t>() == 1)) {
        problems_.error(where(path), "= " + value.dump() +
                                         ": zlaunch runs data parallel only; DeepSpeed would divide the data-parallel "
                                         "size by it and so change the global batch; remove it or set 1");
      }
      return;
    }
    if (path == "optimizer.params.max_grad_norm") {
      problems_.error(where(path),
                      "not an optimizer parameter: DeepSpeed refuses it; clip with the top-level "
                      "\"gradient_clipping\" instead");
      return;
    }
    if (is_known_unsupported(path)) {
      problems_.warning(where(path), "DeepSpeed key not implemented by zlaunch; ignored");
      return;
    }
    problems_.error(where(path), "unknown key '" + key + "'" + did_you_mean(key, names_under(prefix)) +
                                     "; remove it or fix its spelling");
  }

  void walk_section(const std::string& path, const json& section) {
    // The parameters of an optimizer or scheduler zlaunch does not implement are not checked: the
    // unsupported type is the one problem to report.
    if (path == "optimizer.params" || path == "scheduler.params") {
      const auto type = out_.find(path.substr(0, path.find('.')) + ".type");
      if (type != out_.end() && type->second.value.is_string()) {
        const std::string t = type->second.value.get<std::string>();
        const bool supported = path[0] == 'o' ? find_optimizer_type(t).has_value() : find_scheduler_type(t).has_value();
        if (!supported) return;
      }
    }
    if (path == "optimizer" || path == "scheduler") {
      // Visit "type" first so that "params" can depend on it.
      if (section.contains("type")) visit(path + ".type", "type", section.at("type"), path + ".");
      for (const auto& [key, value] : section.items()) {
        if (key != "type") visit(path + "." + key, key, value, path + ".");
      }
      return;
    }
    walk(section, path + ".");
  }

  // DeepSpeed's pre-offload_* spellings. Returns true when `path` was one of them.
  bool visit_legacy(const std::string& path, const json& value) {
    if (path == "zero_optimization" && (value.is_boolean() || value.is_number_integer())) {
      problems_.warning(where(path), "a boolean zero_optimization is DeepSpeed's deprecated form; write {\"stage\": " +
                                         std::string(value == true || value == 1 ? "1" : "0") + "}");
      out_["zero_optimization.stage"] = {value == true || value == 1 ? 1 : 0, source_};
      return true;
    }
    struct Legacy {
      const char* old_key;
      const char* new_key;
      const char* true_value;
    };
    static const Legacy legacy[] = {
        {"zero_optimization.cpu_offload", "zero_optimization.offload_optimizer.device", "cpu"},
        {"zero_optimization.cpu_offload_params", "zero_optimization.offload_param.device", "cpu"},
    };
    for (const auto& l : legacy) {
      if (path != l.old_key) continue;
      if (!value.is_boolean()) {
        problems_.error(where(path), "expected true or false, got " + value.dump());
        return true;
      }
      problems_.warning(where(path), std::string("deprecated DeepSpeed key; accepted as ") + l.new_key + " = \"" +
                                         (value.get<bool>() ? l.true_value : "none") + "\" (write that instead)");
      out_[l.new_key] = {value.get<bool>() ? l.true_value : "none", source_};
      return true;
    }
    if (path == "zero_optimization.cpu_offload_use_pin_memory") {
      if (!value.is_boolean()) {
        problems_.error(where(path), "expected true or false, got " + value.dump());
        return true;
      }
      problems_.warning(where(path),
                        "deprecated DeepSpeed key; accepted as offload_optimizer.pin_memory and "
                        "offload_param.pin_memory (write those instead)");
      out_["zero_optimization.offload_optimizer.pin_memory"] = {value, source_};
      out_["zero_optimization.offload_param.pin_memory"] = {value, source_};
      return true;
    }
    return false;
  }

  const std::string& origin_;
  const std::string& source_;
  Problems& problems_;
  FlatConfig& out_;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

FlatConfig check_deepspeed_document(const nlohmann::json& document, const std::string& origin,
                                    const std::string& source, Problems& problems) {
  FlatConfig out;
  if (!document.is_object()) {
    problems.error(origin, "a DeepSpeed config must be a JSON object {...}, got " + std::string(document.type_name()));
    return out;
  }
  Walker(origin, source, problems, out).walk(document, "");
  return out;
}

std::vector<std::string> supported_deepspeed_leaf_keys() {
  std::vector<std::string> keys;
  for (const auto& spec : kSupported) {
    if (spec.kind != Kind::kSection) keys.emplace_back(spec.path);
  }
  return keys;
}

std::optional<OptimizerType> find_optimizer_type(const std::string& type) {
  for (const OptimizerType t : {OptimizerType::kAdamW, OptimizerType::kAdam, OptimizerType::kSgd}) {
    if (lower(type) == lower(to_string(t))) return t;
  }
  return std::nullopt;
}

bool known_unsupported_optimizer(const std::string& type) {
  static const char* const known[] = {"lamb", "onebitadam", "zerooneadam", "onebitlamb", "adagrad", "lion",
                                      "muon", "cpuadam",    "fusedadam",   "adamax",     "rmsprop"};
  const std::string t = lower(type);
  return std::find(std::begin(known), std::end(known), t) != std::end(known);
}

std::optional<SchedulerType> find_scheduler_type(const std::string& type) {
  for (const SchedulerType t :
       {SchedulerType::kWarmupLR, SchedulerType::kWarmupDecayLR, SchedulerType::kWarmupCosineLR}) {
    if (lower(type) == lower(to_string(t))) return t;
  }
  return std::nullopt;
}

bool known_unsupported_scheduler(const std::string& type) {
  const std::string t = lower(type);
  return t == "onecycle" || t == "lrrangetest";
}

}  // namespace zl::config
