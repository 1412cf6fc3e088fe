// Registration of the runtime's subcommands: `zlaunch checkpoint`.
#include "zl/runtime/commands.h"

#include <CLI/CLI.hpp>

#include "zl/base/error.h"

namespace zl::runtime {

void add_runtime_commands(CLI::App& app) {
  auto* checkpoint = app.add_subcommand("checkpoint", "Inspect and consolidate training checkpoints");
  checkpoint->allow_extras();
  checkpoint->callback([] { throw UnavailableError("zlaunch checkpoint: checkpoints are not part of this build yet"); });
}

}  // namespace zl::runtime
