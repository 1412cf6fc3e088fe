// configtool's subcommands: `zlaunch config` (wizard, default, validate, show) and
// `zlaunch estimate-memory`.
#pragma once

namespace CLI {
class App;
}

namespace zl::config {
void add_config_commands(CLI::App& app);
}
