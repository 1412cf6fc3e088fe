// The launcher's subcommand: `zlaunch run [options] PROGRAM [ARGS...]` (DESIGN.md §3).
#pragma once

namespace CLI {
class App;
}

namespace zl::launcher {

// Registers `run`. When the job ends, its exit code (the root-cause rank's, 128+signal for a signal)
// is stored in `program_exit_code`; launcher failures are thrown as zl::Error subclasses.
void add_run_command(CLI::App& app, int& program_exit_code);

}  // namespace zl::launcher
