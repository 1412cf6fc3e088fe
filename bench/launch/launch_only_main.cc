// A `zlaunch`-like executable that carries only the `run` subcommand (launcher + configtool), for
// bench/launch: it measures what launching costs when the binary does not also load the runtime's
// CUDA, cuBLAS, NCCL, MPI and OpenBLAS libraries at start-up (see RESULTS.md).
#include <CLI/CLI.hpp>

#include <iostream>

#include "zl/base/error.h"
#include "zl/launcher/commands.h"

int main(int argc, char** argv) {
  try {
    CLI::App app{"zlaunch run only (benchmark build)", "zlaunch_run_only"};
    app.require_subcommand(1);
    int program_exit_code = 0;
    zl::launcher::add_run_command(app, program_exit_code);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? 0 : static_cast<int>(zl::ExitCode::kUsage);
    }
    return program_exit_code;
  } catch (const zl::Error& e) {
    std::cerr << "zlaunch: error: " << e.what() << '\n';
    return zl::exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "zlaunch: unexpected error: " << e.what() << '\n';
    return zl::exit_code_for(e);
  }
}
