// `zlaunch config validate FILE`: judge one DeepSpeed JSON or launch YAML (optionally with a launch
// YAML and a world size) exactly as `zlaunch run` would, reporting every problem at once. Only the
// files named are read: not ./zlaunch.yaml, ~/.config nor ZLAUNCH_* variables.
#include <CLI/CLI.hpp>

#include <iostream>

#include "zl/config/resolve.h"
#include "zl/config/subcommands.h"

namespace zl::config {

namespace {

struct ValidateOptions {
  std::string file;
  std::string launch_file;
  std::map<std::string, std::string> flags;
};

void print_summary(const std::string& file, const ResolvedConfig& c) {
  const auto& t = c.training;
  std::cout
      << file << ": valid for " << c.launch.num_processes << (c.launch.num_processes == 1 ? " process" : " processes")
      << " on " << c.launch.num_machines << (c.launch.num_machines == 1 ? " machine" : " machines") << "\n"
      << "  ZeRO stage " << t.zero_optimization.stage << ", mixed precision " << to_string(c.launch.mixed_precision)
      << ", optimizer " << to_string(t.optimizer.type)
      << (t.scheduler.type == SchedulerType::kConstant ? "" : ", scheduler " + std::string(to_string(t.scheduler.type)))
      << "\n"
      << "  train_batch_size " << t.train_batch_size << " = micro " << t.train_micro_batch_size_per_gpu
      << " x accumulation " << t.gradient_accumulation_steps << " x world size " << c.launch.num_processes << "\n";
  for (const auto& w : c.warnings) std::cout << "warning: " << w << "\n";
}

}  // namespace

void add_validate_command(CLI::App& config) {
  auto options = std::make_shared<ValidateOptions>();
  auto* cmd = config.add_subcommand("validate", "Check a DeepSpeed JSON or launch YAML; exit 2 listing every problem");
  cmd->add_option("file", options->file, "DeepSpeed JSON or launch YAML to check")->required();
  cmd->add_option("--config_file", options->launch_file,
                  "Launch YAML to combine with FILE (then FILE is the DeepSpeed JSON)");
  for (const char* key :
       {"num_processes", "num_machines", "machine_rank", "mixed_precision", "zero_stage", "model", "device"}) {
    cmd->add_option_function<std::string>(
        std::string("--") + key, [options, key](const std::string& v) { options->flags[key] = v; },
        std::string("Validate as if --") + key + " were given to zlaunch run");
  }
  cmd->callback([options] {
    ResolveRequest request;
    request.read_environment = false;
    request.read_default_files = false;
    request.flags = options->flags;
    if (options->launch_file.empty()) {
      request.config_file = options->file;
    } else {
      request.config_file = options->launch_file;
      request.flags["deepspeed_config_file"] = options->file;
    }
    const ResolvedConfig resolved = resolve(request);
    print_summary(options->file, resolved);
  });
}

}  // namespace zl::config
