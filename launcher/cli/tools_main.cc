// The `zlaunch-tools` executable: the zlaunch CLI with the subcommands that need the compute and
// communication libraries defined (tool_commands.h), each by its component. zlaunch runs it in its own
// place for those (same arguments: tools_dispatch.h), so it presents itself as zlaunch: the same name,
// subcommand list and --version in help and usage errors, the same exit codes (cli_main.h). Run
// directly, it is the whole zlaunch CLI, with those libraries loaded.
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include "bench_command.h"
#include "cli_main.h"
#include "env_command.h"
#include "subcommands.h"
#include "zl/base/error.h"
#include "zl/checkpoint/commands.h"

namespace {

void define_tool(std::string_view name, CLI::App& subcommand) {
  if (name == "env") {
    zl::cli::define_env_command(subcommand);
  } else if (name == "checkpoint") {
    zl::checkpoint::define_checkpoint_command(subcommand);
  } else if (name == "bench") {
    zl::cli::define_bench_command(subcommand);
  } else {
    throw zl::Error("zlaunch-tools defines no subcommand '" + std::string(name) + "' (tools_main.cc)");
  }
}

int run(int argc, char** argv) {
  CLI::App app;
  zl::cli::set_up_app(app);
  int program_exit_code = 0;
  zl::cli::add_subcommands(app, program_exit_code, &define_tool);
  if (const int usage_error = zl::cli::parse_and_run(app, argc, argv); usage_error != 0) return usage_error;
  return program_exit_code;
}

}  // namespace

int main(int argc, char** argv) { return zl::cli::run_main(&run, argc, argv); }
