// The torchrun and accelerate launch variables of every rank (program_environment.h).
#include "zl/launcher/program_environment.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "zl/launcher/launch_plan.h"

namespace zl::launcher {
namespace {

// A value the user gave (a file, a flag, ZLAUNCH_*), not a default or an "auto" zlaunch resolved.
bool user_set(const config::ResolvedConfig& config, const std::string& key) {
  const auto it = config.sources.find(key);
  if (it == config.sources.end()) return false;
  const std::string& source = it->second;
  return source.rfind("file ", 0) == 0 || source.rfind("flag ", 0) == 0 || source.rfind("env ", 0) == 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

std::string inherited_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

// DeepSpeedPlugin's variables (prepare_deepspeed_cmd_env), each only for a value the user gave.
void add_deepspeed_plugin(const config::ResolvedConfig& config, std::map<std::string, std::string>& env) {
  const config::TrainingSettings& t = config.training;
  const config::ZeroSettings& zero = t.zero_optimization;
  env["ACCELERATE_USE_DEEPSPEED"] = "true";
  env["ACCELERATE_CONFIG_DS_FIELDS"] = join(config.program.accelerate.deepspeed_config_fields);
  // With a DeepSpeed file the file carries its own values (and zlaunch's overrides are written into
  // the copy the program reads); a plugin variable next to it would only repeat them.
  const bool plugin_style = config.program.deepspeed_document.is_null();
  auto given = [&](const std::string& key) {
    if (!user_set(config, key)) return false;
    const std::string& source = config.sources.at(key);
    return plugin_style || source.rfind("flag ", 0) == 0 || source.rfind("env ", 0) == 0;
  };
  if (given("zero_optimization.stage")) env["ACCELERATE_DEEPSPEED_ZERO_STAGE"] = std::to_string(zero.stage);
  if (given("gradient_accumulation_steps")) {
    env["ACCELERATE_GRADIENT_ACCUMULATION_STEPS"] = std::to_string(t.gradient_accumulation_steps);
  }
  if (given("gradient_clipping")) env["ACCELERATE_GRADIENT_CLIPPING"] = python_float_text(t.gradient_clipping);
  if (given("zero_optimization.offload_optimizer.device")) {
    env["ACCELERATE_DEEPSPEED_OFFLOAD_OPTIMIZER_DEVICE"] = config::to_string(zero.offload_optimizer.device);
  }
  if (given("zero_optimization.offload_param.device")) {
    env["ACCELERATE_DEEPSPEED_OFFLOAD_PARAM_DEVICE"] = config::to_string(zero.offload_param.device);
  }
  if (given("zero_optimization.stage3_gather_16bit_weights_on_model_save")) {
    env["ACCELERATE_DEEPSPEED_ZERO3_SAVE_16BIT_MODEL"] =
        zero.stage3_gather_16bit_weights_on_model_save ? "true" : "false";
  }
  if (!config.program.accelerate.zero3_init_flag.empty()) {
    env["ACCELERATE_DEEPSPEED_ZERO3_INIT"] = config.program.accelerate.zero3_init_flag;
  }
}

}  // namespace

bool program_uses_deepspeed(const config::ResolvedConfig& config) {
  const config::AccelerateFacts& facts = config.program.accelerate;
  if (facts.use_cpu) return false;
  if (facts.distributed_type == "DEEPSPEED") return true;
  return facts.distributed_type.empty() && !config.program.deepspeed_document.is_null();
}

std::map<std::string, std::string> accelerate_environment(const config::ResolvedConfig& config,
                                                          const std::string& working_directory) {
  const config::AccelerateFacts& facts = config.program.accelerate;
  std::map<std::string, std::string> env;
  env["ACCELERATE_MIXED_PRECISION"] = config::to_string(config.launch.mixed_precision);
  if (facts.debug) env["ACCELERATE_DEBUG_MODE"] = "true";
  if (facts.enable_cpu_affinity) env["ACCELERATE_CPU_AFFINITY"] = "1";
  if (program_uses_deepspeed(config)) {
    add_deepspeed_plugin(config, env);
    const char* python_path = std::getenv("PYTHONPATH");
    const std::string here = std::filesystem::absolute(working_directory).lexically_normal().string();
    env["PYTHONPATH"] = python_path != nullptr && *python_path != '\0' ? std::string(python_path) + ":" + here : here;
    return env;
  }
  env["ACCELERATE_DYNAMO_BACKEND"] = "NO";
  env["ACCELERATE_DYNAMO_MODE"] = "default";
  env["ACCELERATE_DYNAMO_USE_FULLGRAPH"] = "False";
  env["ACCELERATE_DYNAMO_USE_DYNAMIC"] = "False";
  env["ACCELERATE_DYNAMO_USE_REGIONAL_COMPILATION"] = "False";
  if (config.launch.device == config::DeviceKind::kCpu) {
    // The simple launcher, which accelerate launch takes on the CPU (MULTI_CPU, use_cpu).
    env["ACCELERATE_USE_CPU"] = "True";
    env["KMP_AFFINITY"] = "granularity=fine,compact,1,0";
    env["KMP_BLOCKTIME"] = "1";
  }
  return env;
}

std::map<std::string, std::string> torchrun_environment(const LaunchPlan& plan, int attempt, int rank) {
  return {
      {"GROUP_RANK", std::to_string(plan.machine_rank)},
      {"GROUP_WORLD_SIZE", std::to_string(plan.num_machines)},
      {"ROLE_NAME", plan.role},
      {"ROLE_RANK", std::to_string(rank)},
      {"ROLE_WORLD_SIZE", std::to_string(plan.world_size)},
      {"TORCHELASTIC_RESTART_COUNT", std::to_string(attempt)},
      {"TORCHELASTIC_MAX_RESTARTS", std::to_string(plan.max_restarts)},
      {"TORCHELASTIC_RUN_ID", plan.run_id},
      {"TORCHELASTIC_USE_AGENT_STORE", "False"},
      {"TORCHELASTIC_ERROR_FILE", plan.error_file_path(attempt, rank)},
      {"TORCHELASTIC_SIGNALS_TO_HANDLE",
       inherited_or("TORCHELASTIC_SIGNALS_TO_HANDLE", "SIGTERM,SIGINT,SIGHUP,SIGQUIT")},
      {"TORCH_NCCL_ASYNC_ERROR_HANDLING", inherited_or("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1")},
  };
}

std::string python_float_text(double value) {
  char buffer[64];
  // The shortest round-trip digits, in scientific form: d[.ddd]e[+-]XX.
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const std::string scientific(buffer, result.ptr);
  const auto e = scientific.find('e');
  if (e == std::string::npos) return scientific;  // inf, nan
  std::string mantissa = scientific.substr(0, e);
  const int exponent = std::stoi(scientific.substr(e + 1));
  const bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits = mantissa;
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string text;
  if (exponent < -4 || exponent >= 16) {  // Python's repr switches to an exponent here
    text = mantissa + "e" + (exponent < 0 ? "-" : "+") + (std::abs(exponent) < 10 ? "0" : "") +
           std::to_string(std::abs(exponent));
  } else if (exponent < 0) {
    text = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  } else {
    const auto integral = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= integral) {
      text = digits + std::string(integral - digits.size(), '0') + ".0";
    } else {
      text = digits.substr(0, integral) + "." + digits.substr(integral);
    }
  }
  return negative ? "-" + text : text;
}

}  // namespace zl::launcher
