// The zlaunch-tools subcommand table's lookups (tool_commands.h), built into both executables.
#include "tool_commands.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>

#include "zl/base/error.h"

namespace zl::cli {
namespace {

const ToolCommand* find_tool_command(std::string_view word) {
  const auto* found = std::find_if(kToolCommands.begin(), kToolCommands.end(),
                                   [word](const ToolCommand& command) { return command.name == word; });
  return found == kToolCommands.end() ? nullptr : found;
}

}  // namespace

bool is_tool_command(std::string_view word) { return find_tool_command(word) != nullptr; }

CLI::App& add_tool_command(CLI::App& app, std::string_view name) {
  const ToolCommand* command = find_tool_command(name);
  if (command == nullptr)
    throw Error("'" + std::string(name) + "' is not a zlaunch-tools subcommand (tool_commands.h)");
  return *app.add_subcommand(std::string(command->name), std::string(command->description));
}

}  // namespace zl::cli
