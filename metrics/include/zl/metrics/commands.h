// The metrics component's subcommand: `zlaunch report RUN_DIR [--out FILE]`.
#pragma once

namespace CLI {
class App;
}

namespace zl::metrics {
void add_report_command(CLI::App& app);
}
