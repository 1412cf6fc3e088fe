// JSON form of ResolvedConfig (config.resolved.json). Sub-structs use DeepSpeed's and Accelerate's key
// names; TrainingSettings is written in DeepSpeed's own layout ("bf16": {"enabled": ...}) so the file
// is itself a valid DeepSpeed config.
#include "zl/config/resolved_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "zl/base/check.h"
#include "zl/base/error.h"

namespace zl::config {

NLOHMANN_JSON_SERIALIZE_ENUM(LauncherKind, {{LauncherKind::kLocal, "local"},
                                            {LauncherKind::kMpi, "mpi"},
                                            {LauncherKind::kSlurm, "slurm"}})
NLOHMANN_JSON_SERIALIZE_ENUM(DeviceKind, {{DeviceKind::kCpu, "cpu"}, {DeviceKind::kCuda, "cuda"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Precision,
                             {{Precision::kNo, "no"}, {Precision::kFp16, "fp16"}, {Precision::kBf16, "bf16"}})
NLOHMANN_JSON_SERIALIZE_ENUM(OffloadDevice, {{OffloadDevice::kNone, "none"}, {OffloadDevice::kCpu, "cpu"}})

// The string-valued enums keep DeepSpeed's spelling in the file; an unknown spelling is an error (not
// silently the first value, as NLOHMANN_JSON_SERIALIZE_ENUM would make it).
template <typename Enum>
void enum_from_json(const nlohmann::json& j, Enum& value, std::optional<Enum> (*parse)(const std::string&),
                    const char* choices) {
  const std::string text = j.get<std::string>();
  const std::optional<Enum> parsed = parse(text);
  if (!parsed) throw std::invalid_argument("'" + text + "' is not one of " + choices);
  value = *parsed;
}

void to_json(nlohmann::json& j, CommDataType t) { j = to_string(t); }
void from_json(const nlohmann::json& j, CommDataType& t) {
  enum_from_json(j, t, parse_comm_data_type, "\"\" | fp32 | fp16 | bf16 (communication_data_type)");
}
void to_json(nlohmann::json& j, OptimizerType t) { j = to_string(t); }
void from_json(const nlohmann::json& j, OptimizerType& t) {
  enum_from_json(j, t, parse_optimizer_type, "AdamW | Adam | SGD (optimizer.type)");
}
void to_json(nlohmann::json& j, SchedulerType t) { j = to_string(t); }
void from_json(const nlohmann::json& j, SchedulerType& t) {
  enum_from_json(j, t, parse_scheduler_type, "\"\" | WarmupLR | WarmupDecayLR | WarmupCosineLR (scheduler.type)");
}
void to_json(nlohmann::json& j, WarmupType t) { j = to_string(t); }
void from_json(const nlohmann::json& j, WarmupType& t) {
  enum_from_json(j, t, parse_warmup_type, "log | linear (scheduler.params.warmup_type)");
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MetricsSettings, enabled, bind, port, targets_file, pushgateway)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LaunchSettings, num_processes, num_machines, machine_rank,
                                                main_process_ip, main_process_port, launcher, hostfile, device,
                                                mixed_precision, max_restarts, log_dir, metrics, model)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Fp16Settings, enabled, loss_scale, initial_scale_power,
                                                loss_scale_window, hysteresis, consecutive_hysteresis, min_loss_scale)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SchedulerSettings, type, warmup_min_lr, warmup_max_lr, warmup_num_steps,
                                                warmup_type, total_num_steps, warmup_min_ratio, cos_min_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OffloadSettings, device, pin_memory)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ZeroSettings, stage, overlap_comm, reduce_bucket_size,
                                                allgather_bucket_size, offload_optimizer, offload_param,
                                                stage3_prefetch_bucket_size, stage3_param_persistence_threshold,
                                                stage3_max_live_parameters, stage3_max_reuse_distance,
                                                stage3_gather_16bit_weights_on_model_save)

// DeepSpeed nests optimizer parameters under "params".
void to_json(nlohmann::json& j, const OptimizerSettings& o) {
  j = {
      {"type", o.type},
      {"params",
       {{"lr", o.lr}, {"betas", o.betas}, {"eps", o.eps}, {"weight_decay", o.weight_decay}, {"momentum", o.momentum}}}};
  if (o.type != OptimizerType::kSgd) {
    j["params"]["adam_w_mode"] = o.adam_w_mode;
    j["params"]["bias_correction"] = o.bias_correction;
  }
}

void from_json(const nlohmann::json& j, OptimizerSettings& o) {
  o.type = j.value("type", o.type);
  const nlohmann::json params = j.value("params", nlohmann::json::object());
  o.lr = params.value("lr", o.lr);
  o.betas = params.value("betas", o.betas);
  o.eps = params.value("eps", o.eps);
  o.weight_decay = params.value("weight_decay", o.weight_decay);
  o.momentum = params.value("momentum", o.momentum);
  o.adam_w_mode = params.value("adam_w_mode", o.adam_w_mode);
  o.bias_correction = params.value("bias_correction", o.bias_correction);
}

void to_json(nlohmann::json& j, const TrainingSettings& t) {
  nlohmann::json scheduler = t.scheduler;
  j = {{"train_batch_size", t.train_batch_size},
       {"train_micro_batch_size_per_gpu", t.train_micro_batch_size_per_gpu},
       {"gradient_accumulation_steps", t.gradient_accumulation_steps},
       {"gradient_clipping", t.gradient_clipping},
       {"fp16", t.fp16},
       {"bf16", {{"enabled", t.bf16_enabled}}},
       {"communication_data_type", t.communication_data_type},
       {"optimizer", t.optimizer},
       {"scheduler", {{"type", t.scheduler.type}, {"params", scheduler}}},
       {"zero_optimization", t.zero_optimization},
       {"steps_per_print", t.steps_per_print},
       {"wall_clock_breakdown", t.wall_clock_breakdown},
       {"seed", t.seed}};
  j["scheduler"]["params"].erase("type");
}

void from_json(const nlohmann::json& j, TrainingSettings& t) {
  t.train_batch_size = j.value("train_batch_size", t.train_batch_size);
  t.train_micro_batch_size_per_gpu = j.value("train_micro_batch_size_per_gpu", t.train_micro_batch_size_per_gpu);
  t.gradient_accumulation_steps = j.value("gradient_accumulation_steps", t.gradient_accumulation_steps);
  t.gradient_clipping = j.value("gradient_clipping", t.gradient_clipping);
  t.fp16 = j.value("fp16", t.fp16);
  t.bf16_enabled = j.value("bf16", nlohmann::json::object()).value("enabled", t.bf16_enabled);
  t.communication_data_type = j.value("communication_data_type", t.communication_data_type);
  t.optimizer = j.value("optimizer", t.optimizer);
  if (j.contains("scheduler")) {
    const auto& s = j.at("scheduler");
    t.scheduler = s.value("params", nlohmann::json::object()).get<SchedulerSettings>();
    t.scheduler.type = s.value("type", SchedulerType::kConstant);
  }
  t.zero_optimization = j.value("zero_optimization", t.zero_optimization);
  t.steps_per_print = j.value("steps_per_print", t.steps_per_print);
  t.wall_clock_breakdown = j.value("wall_clock_breakdown", t.wall_clock_breakdown);
  t.seed = j.value("seed", t.seed);
}

nlohmann::json to_json(const ResolvedConfig& config) {
  return {{"format", "zlaunch.resolved_config/1"}, {"launch", config.launch},
          {"training", config.training},           {"sources", config.sources},
          {"files_used", config.files_used},       {"warnings", config.warnings}};
}

ResolvedConfig resolved_config_from_json(const nlohmann::json& json, const std::string& origin) {
  try {
    ResolvedConfig config;
    config.launch = json.at("launch").get<LaunchSettings>();
    config.training = json.at("training").get<TrainingSettings>();
    config.sources = json.value("sources", config.sources);
    config.files_used = json.value("files_used", config.files_used);
    config.warnings = json.value("warnings", config.warnings);
    return config;
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(origin + ": not a valid resolved config (" + e.what() +
                      "); regenerate it with `zlaunch config show --json`");
  } catch (const std::invalid_argument& e) {
    throw ConfigError(origin + ": not a valid resolved config (" + e.what() +
                      "); regenerate it with `zlaunch config show --json`");
  }
}

void write_json_file_atomically(const nlohmann::json& document, const std::string& path) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temporary);
    if (!out) throw SystemError("cannot write " + temporary, errno);
    out << document.dump(2) << '\n';
    out.flush();
    if (!out) throw SystemError("cannot write " + temporary, errno);
  }
  ZL_CHECK_SYS(std::rename(temporary.c_str(), path.c_str()));
}

void write_resolved_config(const ResolvedConfig& config, const std::string& path) {
  write_json_file_atomically(to_json(config), path);
}

ResolvedConfig read_resolved_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the resolved config (named by ZLAUNCH_CONFIG)");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(path + ": invalid JSON: " + e.what());
  }
  return resolved_config_from_json(json, path);
}

const char* to_string(LauncherKind kind) {
  switch (kind) {
    case LauncherKind::kLocal:
      return "local";
    case LauncherKind::kMpi:
      return "mpi";
    case LauncherKind::kSlurm:
      return "slurm";
  }
  return "?";
}

const char* to_string(DeviceKind kind) { return kind == DeviceKind::kCuda ? "cuda" : "cpu"; }

const char* to_string(Precision precision) {
  switch (precision) {
    case Precision::kNo:
      return "no";
    case Precision::kFp16:
      return "fp16";
    case Precision::kBf16:
      return "bf16";
  }
  return "?";
}

const char* to_string(OffloadDevice device) { return device == OffloadDevice::kCpu ? "cpu" : "none"; }

const char* to_string(CommDataType type) {
  switch (type) {
    case CommDataType::kWorking:
      return "";
    case CommDataType::kFp32:
      return "fp32";
    case CommDataType::kFp16:
      return "fp16";
    case CommDataType::kBf16:
      return "bf16";
  }
  return "?";
}

const char* to_string(OptimizerType type) {
  switch (type) {
    case OptimizerType::kAdamW:
      return "AdamW";
    case OptimizerType::kAdam:
      return "Adam";
    case OptimizerType::kSgd:
      return "SGD";
  }
  return "?";
}

const char* to_string(SchedulerType type) {
  switch (type) {
    case SchedulerType::kConstant:
      return "";
    case SchedulerType::kWarmupLR:
      return "WarmupLR";
    case SchedulerType::kWarmupDecayLR:
      return "WarmupDecayLR";
    case SchedulerType::kWarmupCosineLR:
      return "WarmupCosineLR";
  }
  return "?";
}

const char* to_string(WarmupType type) { return type == WarmupType::kLinear ? "linear" : "log"; }

namespace {

// The value of `Enum` whose to_string() is `text`; enumerators are 0 .. count-1.
template <typename Enum, int kCount>
std::optional<Enum> parse_spelling(const std::string& text) {
  for (int i = 0; i < kCount; ++i) {
    const auto value = static_cast<Enum>(i);
    if (text == to_string(value)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<CommDataType> parse_comm_data_type(const std::string& text) {
  return parse_spelling<CommDataType, 4>(text);
}
std::optional<OptimizerType> parse_optimizer_type(const std::string& text) {
  return parse_spelling<OptimizerType, 3>(text);
}
std::optional<SchedulerType> parse_scheduler_type(const std::string& text) {
  return parse_spelling<SchedulerType, 4>(text);
}
std::optional<WarmupType> parse_warmup_type(const std::string& text) { return parse_spelling<WarmupType, 2>(text); }

}  // namespace zl::config
