// Registration of `zlaunch run`.
#include <CLI/CLI.hpp>

#include "zl/base/error.h"
#include "zl/launcher/commands.h"

namespace zl::launcher {

void add_run_command(CLI::App& app, int& program_exit_code) {
  auto* run = app.add_subcommand("run", "Launch PROGRAM (or the bundled `train`) on N processes");
  run->allow_extras();
  run->callback([&program_exit_code] {
    program_exit_code = 0;
    throw UnavailableError("zlaunch run: the launcher is not part of this build yet");
  });
}

}  // namespace zl::launcher
