// Registration of `zlaunch config` (wizard, --template, default, validate, show) and
// `zlaunch estimate-memory`.
#include "zl/config/commands.h"

#include <CLI/CLI.hpp>

#include "zl/config/subcommands.h"

namespace zl::config {

void add_config_commands(CLI::App& app) {
  auto* config =
      app.add_subcommand("config", "Create (wizard or --template), validate and show launch and DeepSpeed configs");
  config->require_subcommand(0, 1);
  add_validate_command(*config);
  add_show_command(*config);
  add_default_command(*config);
  add_template_and_wizard(*config);
  add_estimate_memory_command(app);
}

}  // namespace zl::config
