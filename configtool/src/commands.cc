// Registration of `zlaunch config` and `zlaunch estimate-memory`.
#include "zl/config/commands.h"

#include <CLI/CLI.hpp>

#include "zl/base/error.h"

namespace zl::config {

void add_config_commands(CLI::App& app) {
  auto* config = app.add_subcommand("config", "Create, validate and show launch and DeepSpeed configs");
  config->allow_extras();
  config->callback([] { throw UnavailableError("zlaunch config: the config tool is not part of this build yet"); });
  auto* estimate = app.add_subcommand("estimate-memory", "Per-rank memory of each ZeRO stage for a model size");
  estimate->allow_extras();
  estimate->callback([] { throw UnavailableError("zlaunch estimate-memory: not part of this build yet"); });
}

}  // namespace zl::config
