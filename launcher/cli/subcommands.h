// Every zlaunch subcommand, in its --help order, registered by one function in both executables, so
// that zlaunch and zlaunch-tools list the same subcommands in --help and in usage errors: the
// launcher's own (config, estimate-memory, run, report) and those of zlaunch-tools (tool_commands.h).
#pragma once

#include <string_view>

namespace CLI {
class App;
}

namespace zl::cli {

// Defines the options and action of the zlaunch-tools subcommand `name` (zlaunch-tools: tools_main.cc).
using ToolDefiner = void (*)(std::string_view name, CLI::App& subcommand);

// Adds every subcommand to app and installs the GPU counter that config and run resolve device "auto"
// with (zl/config/visible_gpus.h). The zlaunch-tools subcommands are filled by define_tool, or left
// empty when it is null (zlaunch, which runs them by exec: tools_dispatch.h). `run` stores the launched
// job's exit code in program_exit_code; every other subcommand succeeds or throws.
void add_subcommands(CLI::App& app, int& program_exit_code, ToolDefiner define_tool);

}  // namespace zl::cli
