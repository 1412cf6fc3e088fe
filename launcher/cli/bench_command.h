// `zlaunch bench comm`, a zlaunch-tools subcommand (tool_commands.h).
#pragma once

namespace CLI {
class App;
}

namespace zl::cli {
// Defines `comm` and the other contents of `bench`, the subcommand the caller added (add_tool_command).
void define_bench_command(CLI::App& bench);
}  // namespace zl::cli
