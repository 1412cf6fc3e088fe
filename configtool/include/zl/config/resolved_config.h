// ResolvedConfig: the one typed configuration shared by configtool, the launcher and the runtime
// (DESIGN.md §1-2). It is what remains after loading the launch YAML and DeepSpeed JSON, merging every
// layer by precedence, resolving "auto" and validating: no field is "auto", every value is checked.
//
// Ownership: configtool produces it (resolve.h); the launcher writes it to
// <run_dir>/config.resolved.json and names that file in ZLAUNCH_CONFIG; the runtime reads it back with
// read_resolved_config(). The JSON form is a stable file format: field names follow DeepSpeed and
// Accelerate, so the file reads like a fully spelled-out user config.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zl::config {

enum class LauncherKind { kLocal, kMpi, kSlurm };
enum class DeviceKind { kCpu, kCuda };
enum class Precision { kNo, kFp16, kBf16 };
enum class OffloadDevice { kNone, kCpu };
// DeepSpeed's communication_data_type; kWorking = the working precision (fp32, fp16 or bf16).
enum class CommDataType { kWorking, kFp32, kFp16, kBf16 };
enum class OptimizerType { kAdamW, kAdam, kSgd };
// kConstant: no scheduler block, the learning rate is optimizer.lr throughout.
enum class SchedulerType { kConstant, kWarmupLR, kWarmupDecayLR, kWarmupCosineLR };
enum class WarmupType { kLog, kLinear };

struct MetricsSettings {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  int port = 9470;           // rank's port = port + LOCAL_RANK; 0 = any free port
  std::string targets_file;  // extra file_sd path besides <log_dir>/<run_id>/targets.json; "" = none
  std::string pushgateway;   // host:port to push final values to; "" = none
};

// The launch YAML (Accelerate-style names). num_processes is the TOTAL over all machines.
struct LaunchSettings {
  int num_processes = 1;
  int num_machines = 1;
  int machine_rank = 0;
  std::string main_process_ip = "127.0.0.1";
  int main_process_port = 0;  // 0 = pick a free port
  LauncherKind launcher = LauncherKind::kLocal;
  std::string hostfile;
  DeviceKind device = DeviceKind::kCpu;
  Precision mixed_precision = Precision::kNo;
  int max_restarts = 0;
  std::string log_dir = "zlaunch_logs";
  MetricsSettings metrics;
  // The model the config was written for: a name from named_models() or "L,H,C,T,V"
  // (parse_model_spec). "auto" bucket sizes were derived from its hidden size.
  std::string model = "small";

  [[nodiscard]] int processes_per_machine() const { return num_processes / num_machines; }
};

// DeepSpeed's fp16 block; loss_scale 0 means dynamic loss scaling.
struct Fp16Settings {
  bool enabled = false;
  double loss_scale = 0.0;
  int initial_scale_power = 16;
  int loss_scale_window = 1000;
  int hysteresis = 2;
  bool consecutive_hysteresis = false;
  double min_loss_scale = 1.0;
};

// The optimizer DeepSpeed builds for the block (deepspeed/runtime/engine.py, _configure_basic_optimizer):
// for the Adam family the decay is decoupled (AdamW) unless the type is Adam with adam_w_mode false
// (L2, torch.optim.Adam); resolve() stores that effective choice in adam_w_mode.
struct OptimizerSettings {
  OptimizerType type = OptimizerType::kAdamW;
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool adam_w_mode = true;      // Adam family: decoupled weight decay; false = L2 added to the gradient
  bool bias_correction = true;  // Adam family: divide the moments by 1 - beta^step
  double momentum = 0.0;        // SGD only
};

// DeepSpeed's scheduler block.
struct SchedulerSettings {
  SchedulerType type = SchedulerType::kConstant;
  double warmup_min_lr = 0.0;
  double warmup_max_lr = 1e-3;
  std::int64_t warmup_num_steps = 1000;
  WarmupType warmup_type = WarmupType::kLog;
  std::int64_t total_num_steps = 0;  // WarmupDecayLR, WarmupCosineLR
  double warmup_min_ratio = 0.0;     // WarmupCosineLR
  double cos_min_ratio = 0.0001;     // WarmupCosineLR
};

struct OffloadSettings {
  OffloadDevice device = OffloadDevice::kNone;
  bool pin_memory = false;
};

// DeepSpeed's zero_optimization block, defaults as in DeepSpeed. These are the only place the
// defaults are written: the engine (zl/engine/zero_storage.h) and the memory estimate
// (memory_estimate.h) embed this struct. "auto" values come from auto_rules.h.
struct ZeroSettings {
  int stage = 0;
  bool overlap_comm = false;
  std::int64_t reduce_bucket_size = 500000000;
  std::int64_t allgather_bucket_size = 500000000;
  OffloadSettings offload_optimizer;
  OffloadSettings offload_param;
  std::int64_t stage3_prefetch_bucket_size = 50000000;
  std::int64_t stage3_param_persistence_threshold = 100000;
  std::int64_t stage3_max_live_parameters = 1000000000;
  std::int64_t stage3_max_reuse_distance = 1000000000;
  bool stage3_gather_16bit_weights_on_model_save = false;
  // Not here: contiguous_gradients, reduce_scatter, sub_group_size, round_robin_gradients, which have
  // no effect in zlaunch and are reported so when set (zero_settings.cc).
};

// The DeepSpeed JSON, resolved: the batch triangle holds for launch.num_processes.
struct TrainingSettings {
  int train_batch_size = 1;
  int train_micro_batch_size_per_gpu = 1;
  int gradient_accumulation_steps = 1;
  double gradient_clipping = 0.0;  // 0 = no clipping
  Fp16Settings fp16;
  bool bf16_enabled = false;
  // Validated: a 16-bit type is the working precision (fp16 with fp16.enabled, bf16 with bf16_enabled).
  CommDataType communication_data_type = CommDataType::kWorking;
  OptimizerSettings optimizer;
  SchedulerSettings scheduler;
  ZeroSettings zero_optimization;
  int steps_per_print = 10;
  bool wall_clock_breakdown = false;
  std::uint64_t seed = 1234;
};

// What `accelerate launch` would tell an Accelerate program about the launch YAML beyond the settings
// zlaunch itself trains with (accelerate/utils/launch.py turns them into ACCELERATE_* variables).
struct AccelerateFacts {
  std::string distributed_type;  // as the config said it: DEEPSPEED | MULTI_GPU | MULTI_CPU | NO; "" = unsaid
  bool use_cpu = false;
  // ACCELERATE_CONFIG_DS_FIELDS: the keys of the YAML's deepspeed_config mapping, plus mixed_precision
  // when the YAML set it (DeepSpeedPlugin refuses those next to a deepspeed_config_file).
  std::vector<std::string> deepspeed_config_fields;
  std::string zero3_init_flag;  // deepspeed_config.zero3_init_flag: "" = unset, "true" | "false"
  bool debug = false;
  std::string gpu_ids;                  // "" = all
  int num_cpu_threads_per_process = 0;  // 0 = unset
  bool enable_cpu_affinity = false;
};

// What a launched program other than the bundled trainer reads: not part of config.resolved.json (the
// launcher uses it right after resolve(), the runtime never).
struct ProgramView {
  AccelerateFacts accelerate;
  // The DeepSpeed JSON the program should use, when a DeepSpeed file was given: the file as written
  // ("auto" kept for the program to fill, keys zlaunch does not use kept), with every value that a
  // higher-precedence layer (a flag, ZLAUNCH_*, a YAML) set over it. null = no DeepSpeed file.
  nlohmann::json deepspeed_document;
};

struct ResolvedConfig {
  LaunchSettings launch;
  TrainingSettings training;
  ProgramView program;
  // Provenance: dotted key path ("zero_optimization.stage", "num_processes") -> where its value came
  // from: "flag --x", "env ZLAUNCH_X", "file <path>", "default", "auto (<rule>)".
  std::map<std::string, std::string> sources;
  std::vector<std::string> files_used;  // config files read, highest precedence first
  std::vector<std::string> warnings;    // accepted-but-noteworthy findings, printed by the CLI
};

nlohmann::json to_json(const ResolvedConfig& config);
// Throws zl::ConfigError naming `origin` (a file path) and the key at fault on malformed input.
ResolvedConfig resolved_config_from_json(const nlohmann::json& json, const std::string& origin);

// File helpers for config.resolved.json; writing is atomic (temporary file + rename).
void write_resolved_config(const ResolvedConfig& config, const std::string& path);
// Any JSON document, pretty-printed, atomically (e.g. the program's DeepSpeed config, ProgramView).
void write_json_file_atomically(const nlohmann::json& document, const std::string& path);
ResolvedConfig read_resolved_config(const std::string& path);

const char* to_string(LauncherKind kind);
const char* to_string(DeviceKind kind);
const char* to_string(Precision precision);
const char* to_string(OffloadDevice device);
// The spellings of DeepSpeed's JSON and of config.resolved.json: "" | "fp32" | "fp16" | "bf16";
// "AdamW" | "Adam" | "SGD"; "" | "WarmupLR" | "WarmupDecayLR" | "WarmupCosineLR"; "log" | "linear".
const char* to_string(CommDataType type);
const char* to_string(OptimizerType type);
const char* to_string(SchedulerType type);
const char* to_string(WarmupType type);
// Exactly the spellings to_string() writes; std::nullopt for anything else. What a user may write
// (case-insensitive types, DeepSpeed's "bfp16") is read by resolve(), which reports the key at fault.
std::optional<CommDataType> parse_comm_data_type(const std::string& text);
std::optional<OptimizerType> parse_optimizer_type(const std::string& text);
std::optional<SchedulerType> parse_scheduler_type(const std::string& text);
std::optional<WarmupType> parse_warmup_type(const std::string& text);

}  // namespace zl::config
