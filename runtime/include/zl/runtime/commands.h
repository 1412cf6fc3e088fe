// The runtime's subcommands: `zlaunch checkpoint` (inspect, consolidate).
#pragma once

namespace CLI {
class App;
}

namespace zl::runtime {
void add_runtime_commands(CLI::App& app);
}
