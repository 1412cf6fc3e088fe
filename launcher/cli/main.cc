// The `zlaunch` executable: every subcommand in one CLI11 app (subcommands.h), where those of
// zlaunch-tools (env, checkpoint, bench: tool_commands.h) are listed for --help and run by replacing
// this process with zlaunch-tools (tools_dispatch.h). So zlaunch links and loads no CUDA, NCCL, cuBLAS,
// OpenBLAS, MPI or Gloo library (tests/launcher/lean_launcher_test.cc): it counts GPUs through the
// driver only when the device choice needs it (zl/device/visible_gpus.h) and asks a probe for
// OpenBLAS's kernels (zl/launcher/blas_advice.h). Errors become exit codes in cli_main.h; the launched
// program's own exit code passes through `run`.
#include <CLI/CLI.hpp>

#include "cli_main.h"
#include "subcommands.h"
#include "tool_commands.h"
#include "tools_dispatch.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app;
  zl::cli::set_up_app(app);
  int program_exit_code = 0;
  zl::cli::add_subcommands(app, program_exit_code, nullptr);
  if (argc > 1 && zl::cli::is_tool_command(argv[1])) zl::cli::exec_tools(argv);
  if (const int usage_error = zl::cli::parse_and_run(app, argc, argv); usage_error != 0) return usage_error;
  return program_exit_code;
}

}  // namespace

int main(int argc, char** argv) { return zl::cli::run_main(&run, argc, argv); }
