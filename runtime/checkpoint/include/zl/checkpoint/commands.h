// `zlaunch checkpoint inspect DIR` and `zlaunch checkpoint consolidate DIR --out FILE [--dtype ...]`,
// registered on the zlaunch app by launcher/cli/main.cc. Errors are thrown (main() maps them).
#pragma once

namespace CLI {
class App;
}

namespace zl::checkpoint {

void add_checkpoint_commands(CLI::App& app);

}  // namespace zl::checkpoint
