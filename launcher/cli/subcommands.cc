// add_subcommands() (subcommands.h).
#include "subcommands.h"

#include <CLI/CLI.hpp>

#include "tool_commands.h"
#include "zl/config/commands.h"
#include "zl/config/visible_gpus.h"
#include "zl/device/visible_gpus.h"
#include "zl/launcher/commands.h"
#include "zl/metrics/commands.h"

namespace zl::cli {

void add_subcommands(CLI::App& app, int& program_exit_code, ToolDefiner define_tool) {
  config::set_visible_gpu_counter(&device::visible_gpu_count);
  const auto add_tool = [&app, define_tool](std::string_view name) {
    CLI::App& subcommand = add_tool_command(app, name);
    if (define_tool != nullptr) define_tool(name, subcommand);
  };
  add_tool("env");
  config::add_config_commands(app);  // config, estimate-memory
  launcher::add_run_command(app, program_exit_code);
  add_tool("checkpoint");
  add_tool("bench");
  metrics::add_report_command(app);
}

}  // namespace zl::cli
