// Registers `zlaunch env [--json]` on the top-level app.
#pragma once

namespace CLI {
class App;
}

namespace zl::cli {
void add_env_command(CLI::App& app);
}
