// The subcommands that live in zlaunch-tools, the executable next to zlaunch that links the compute and
// communication libraries (kernels and OpenBLAS, MPI, Gloo, the runtime; with CUDA also the CUDA
// libraries and NCCL). Their names and descriptions are written once, here: zlaunch-tools defines each
// subcommand under them, and zlaunch lists them in its --help and runs them by replacing itself with
// zlaunch-tools (tools_dispatch.h), so that zlaunch loads none of those libraries. A new subcommand
// that needs any of them goes here, in subcommands.cc (its place in --help) and in tools_main.cc's
// define_tool, which refuses a name it does not define.
#pragma once

#include <array>
#include <string_view>

namespace CLI {
class App;
}

namespace zl::cli {

struct ToolCommand {
  std::string_view name;
  std::string_view description;
};

inline constexpr std::array<ToolCommand, 3> kToolCommands = {{
    {"env", "Print versions, machine, backends and GPUs: the report to paste into a bug"},
    {"checkpoint", "Inspect and consolidate training checkpoints (docs/checkpoints.md)"},
    {"bench", "Benchmarks of this machine (bench comm: collectives, nccl-tests style)"},
}};

// True when word names one of kToolCommands.
bool is_tool_command(std::string_view word);

// Adds the subcommand `name`, one of kToolCommands, with its description and returns it (to define its
// options and action in zlaunch-tools; zlaunch leaves it empty, for --help). Throws zl::Error for a
// name that is not in kToolCommands.
CLI::App& add_tool_command(CLI::App& app, std::string_view name);

}  // namespace zl::cli
