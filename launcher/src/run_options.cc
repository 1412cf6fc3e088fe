// `zlaunch run` options (run_options.h). Config-backed options are registered with their configtool
// key; config_flags() reports those the user actually typed, as typed.
#include "zl/launcher/run_options.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "zl/base/error.h"

namespace zl::launcher {
namespace {

// Options that configtool resolves: CLI name (without dashes) -> configtool key. The option stores
// into typed_config_values; the value is validated by resolve() with the flag named as its source.
struct ConfigOption {
  const char* flag;
  const char* key;
  const char* type;
  const char* help;
};

constexpr ConfigOption kConfigOptions[] = {
    {"num_processes", "num_processes", "INT", "Total number of processes over all machines (Accelerate's meaning)"},
    {"num_machines", "num_machines", "INT", "Number of machines"},
    {"machine_rank", "machine_rank", "INT", "This machine's index, 0 .. num_machines-1"},
    {"main_process_ip", "main_process_ip", "ADDRESS", "Address of machine 0 (runs the rendezvous store)"},
    {"main_process_port", "main_process_port", "PORT",
     "Port of the rendezvous store on machine 0; 0 = a free port (default on one machine; 29500 on several)"},
    {"launcher", "launcher", "KIND", "local | mpi | slurm"},
    {"hostfile", "hostfile", "FILE", "DeepSpeed-style hostfile ('host slots=N' per line), for --launcher mpi"},
    {"max_restarts", "max_restarts", "INT", "Restart the whole group up to this many times after a failure"},
    {"log_dir", "log_dir", "DIR", "Directory of run directories (<log_dir>/<run_id>/)"},
    {"metrics_port", "metrics_port", "PORT",
     "Base Prometheus port: rank's port = metrics_port + LOCAL_RANK, the launcher's = metrics_port + processes per "
     "machine"},
    {"metrics_pushgateway", "metrics_pushgateway", "URL",
     "Prometheus Pushgateway (http://host:port) every rank pushes its final metrics to at exit"},
    {"mixed_precision", "mixed_precision", "MODE", "no | fp16 | bf16"},
    {"device", "device", "DEVICE", "cpu | cuda"},
    {"deepspeed_config_file", "deepspeed_config_file", "FILE", "DeepSpeed JSON config"},
    {"zero_stage", "zero_stage", "INT", "ZeRO stage 0..3"},
    {"model", "model", "MODEL", "Model size for the bundled trainer (tiny | small | gpt2 | L,H,C,T,V)"},
};

}  // namespace

void add_run_options(CLI::App& run, RunOptions& options) {
  run.add_option("--config_file", options.config_file, "Launch YAML or DeepSpeed JSON config file");
  for (const auto& option : kConfigOptions) {
    std::string name = std::string("--") + option.flag;
    if (std::string(option.flag) == "num_processes") name = "-n," + name;
    run.add_option_function<std::string>(
           name,
           [&options, key = std::string(option.key)](const std::string& v) { options.typed_config_values[key] = v; },
           option.help)
        ->type_name(option.type);
  }
  run.add_option("--monitor_interval", options.monitor_interval, "Seconds between liveness and progress checks")
      ->capture_default_str();
  run.add_option("--shutdown_timeout", options.shutdown_timeout,
                 "Seconds between SIGTERM and SIGKILL when the group is torn down")
      ->capture_default_str();
  run.add_option("--rdzv_timeout", options.rdzv_timeout, "Seconds the machines wait for each other")
      ->capture_default_str();
  run.add_option("--hang_timeout", options.hang_timeout,
                 "Seconds without progress (reports or output) before a rank is declared hung; 0 = off")
      ->capture_default_str();
  run.add_flag("--tee{true}", options.tee,
               "Mirror rank output on the console, prefixed [node:rank] (default); --tee=false keeps it in files only");
  run.add_option("--ranks_filter", options.ranks_filter,
                 "Console shows only these ranks, e.g. 0,3 (files always written)");
  run.add_flag("--dry_run", options.dry_run, "Print the plan (machines, ranks, environment, commands) and exit");
  run.add_option("--run_id", options.run_id, "Name of the run directory; default: generated on machine 0");
  run.add_option("--rdzv_token", options.rdzv_token,
                 "Secret shared by the machines' launchers (default: ZLAUNCH_STORE_TOKEN, see docs/launcher.md)");
  // A flag given twice: the last one wins (scripts append overrides to a base command line).
  for (auto* option : run.get_options()) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

std::set<int> parse_ranks_filter(const std::string& text, int world_size) {
  std::set<int> ranks;
  std::size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    const auto comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long rank = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || rank < 0 || rank >= world_size) {
      throw UsageError("--ranks_filter '" + text + "': '" + item + "' is not a rank in 0.." +
                       std::to_string(world_size - 1) + " (give a comma-separated list such as 0,3)");
    }
    ranks.insert(static_cast<int>(rank));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return ranks;
}

void validate_run_options(const RunOptions& options) {
  auto non_negative = [](double value, const char* flag) {
    if (!(value >= 0.0)) {
      throw UsageError(std::string(flag) + " must be a number of seconds >= 0, got " + std::to_string(value));
    }
  };
  non_negative(options.shutdown_timeout, "--shutdown_timeout");
  non_negative(options.rdzv_timeout, "--rdzv_timeout");
  non_negative(options.hang_timeout, "--hang_timeout");
  if (!(options.monitor_interval > 0.0)) {
    throw UsageError("--monitor_interval must be a number of seconds > 0, got " +
                     std::to_string(options.monitor_interval));
  }
  if (options.command.empty()) {
    throw UsageError(
        "zlaunch run: no PROGRAM given; usage: zlaunch run [options] PROGRAM [ARGS...] (PROGRAM 'train' = the bundled "
        "trainer)");
  }
}

}  // namespace zl::launcher
