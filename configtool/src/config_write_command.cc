// `zlaunch config default`, `zlaunch config --template NAME ...` and the wizard entry point: commands
// that write a launch YAML + DeepSpeed JSON pair, check it with resolve() and say where it went.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "zl/base/error.h"
#include "zl/config/config_writer.h"
#include "zl/config/lenient_json.h"
#include "zl/config/resolve.h"
#include "zl/config/subcommands.h"
#include "zl/config/templates.h"
#include "zl/config/wizard.h"

namespace zl::config {
namespace {

struct WriteOptions {
  std::string template_name;
  std::string output;
  bool force = false;
  bool list = false;
  std::map<std::string, std::string> flags;
  int micro_batch = 0;
  int accumulation = 0;
};

void report(const WrittenConfig& written, const ResolvedConfig& resolved) {
  std::cout << "wrote " << written.launch_path << "\n"
            << "wrote " << written.deepspeed_path << "\n"
            << "  " << resolved.launch.num_processes << (resolved.launch.num_processes == 1 ? " process" : " processes")
            << ", ZeRO stage " << resolved.training.zero_optimization.stage << ", train_batch_size "
            << resolved.training.train_batch_size << " = " << resolved.training.train_micro_batch_size_per_gpu << " x "
            << resolved.training.gradient_accumulation_steps << " x " << resolved.launch.num_processes << "\n"
            << (written.launch_path.size() >= 12 &&
                        written.launch_path.substr(written.launch_path.size() - 12) == "default.yaml"
                    ? std::string("every zlaunch command reads it as the user default (lowest-precedence file)\n")
                    : "use it with: zlaunch run --config_file " + written.launch_path + " <program> ...\n");
}

// Launch settings from the flags alone (validated by resolve; nothing else is read).
LaunchSettings launch_from_flags(const std::map<std::string, std::string>& flags) {
  ResolveRequest request;
  request.read_environment = false;
  request.read_default_files = false;
  request.flags = flags;
  request.flags.erase("zero_stage");
  return resolve(request).launch;
}

}  // namespace

void add_default_command(CLI::App& config) {
  auto options = std::make_shared<WriteOptions>();
  auto* cmd = config.add_subcommand("default", "Write a default config (ZeRO-2, 1 process, cpu) without questions");
  cmd->add_option("--output", options->output,
                  "Directory for zlaunch.yaml + ds_config.json (default: ~/.config/zlaunch as default.yaml)");
  cmd->add_flag("--force", options->force, "Replace existing files");
  cmd->callback([options] {
    std::string dir = options->output;
    std::string yaml_name = "zlaunch.yaml";
    if (dir.empty()) {
      const char* home = std::getenv("HOME");
      if (home == nullptr || *home == '\0') throw UsageError("HOME is not set; pass --output DIR");
      dir = std::string(home) + "/.config/zlaunch";
      yaml_name = "default.yaml";
    }
    const LaunchSettings launch = launch_from_flags({});
    const nlohmann::json ds = parse_lenient_json(template_text("zero2"), "template zero2").value;
    const WrittenConfig written = write_config_pair(dir, yaml_name, launch, ds, options->force);
    report(written, check_written_config(written));
  });
}

void add_template_and_wizard(CLI::App& config) {
  auto options = std::make_shared<WriteOptions>();
  config.add_option(
      "--template", options->template_name,
      "Write a config from a template without questions: zero0 zero1 zero2 zero2_offload zero3 zero3_offload");
  config.add_option("--output", options->output, "Directory to write zlaunch.yaml + ds_config.json into");
  config.add_flag("--force", options->force, "Replace existing files");
  config.add_flag("--list_templates", options->list, "List the built-in templates");
  for (const char* key :
       {"num_processes", "num_machines", "machine_rank", "main_process_ip", "main_process_port", "launcher", "device",
        "mixed_precision", "max_restarts", "log_dir", "metrics_port", "model"}) {
    config.add_option_function<std::string>(
        std::string("--") + key, [options, key](const std::string& v) { options->flags[key] = v; },
        "Value for the written launch config (with --template)");
  }
  config.add_option("--micro_batch", options->micro_batch,
                    "train_micro_batch_size_per_gpu for the written DeepSpeed config");
  config.add_option("--gradient_accumulation_steps", options->accumulation,
                    "gradient_accumulation_steps for the written DeepSpeed config");
  config.callback([options, &config] {
    if (config.get_subcommands().size() > 0) return;  // validate / show / default ran
    if (options->list) {
      for (const auto& t : embedded_templates()) std::cout << t.name << "\n";
      return;
    }
    if (options->template_name.empty()) {
      if (!options->flags.empty() || options->micro_batch != 0 || options->accumulation != 0) {
        throw UsageError(
            "zlaunch config: the value flags need --template NAME (without it the interactive wizard runs)");
      }
      WizardOptions wizard;
      wizard.output_directory = options->output;
      wizard.overwrite = options->force;
      run_wizard(wizard, STDIN_FILENO, stdout);
      return;
    }
    nlohmann::json ds =
        parse_lenient_json(template_text(options->template_name), "template " + options->template_name).value;
    if (options->micro_batch != 0) ds["train_micro_batch_size_per_gpu"] = options->micro_batch;
    if (options->accumulation != 0) ds["gradient_accumulation_steps"] = options->accumulation;
    const LaunchSettings launch = launch_from_flags(options->flags);
    const WrittenConfig written =
        write_config_pair(options->output.empty() ? "." : options->output, "zlaunch.yaml", launch, ds, options->force);
    report(written, check_written_config(written));
  });
}

}  // namespace zl::config
