// The pieces of `zlaunch config` and `zlaunch estimate-memory`, one file each; commands.cc assembles
// them. Every command throws zl errors (ConfigError -> exit 2) and prints only on success paths.
#pragma once

namespace CLI {
class App;
}

namespace zl::config {

void add_validate_command(CLI::App& config);  // config_validate_command.cc
void add_show_command(CLI::App& config);      // config_show_command.cc
void add_default_command(CLI::App& config);   // config_write_command.cc
// `zlaunch config` itself: --template writes files non-interactively, otherwise the wizard runs.
void add_template_and_wizard(CLI::App& config);   // config_write_command.cc
void add_estimate_memory_command(CLI::App& app);  // estimate_memory_command.cc

}  // namespace zl::config
