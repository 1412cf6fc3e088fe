// `zlaunch env [--json]`, a zlaunch-tools subcommand (tool_commands.h).
#pragma once

namespace CLI {
class App;
}

namespace zl::cli {
// Defines the options and action of `env`, the subcommand the caller added (add_tool_command).
void define_env_command(CLI::App& env);
}  // namespace zl::cli
