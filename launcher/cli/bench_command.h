// Registers `zlaunch bench comm` on the top-level app.
#pragma once

namespace CLI {
class App;
}

namespace zl::cli {
void add_bench_command(CLI::App& app);
}
