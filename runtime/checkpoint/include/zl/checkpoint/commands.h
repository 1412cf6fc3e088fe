// `zlaunch checkpoint inspect DIR` and `zlaunch checkpoint consolidate DIR --out FILE [--dtype ...]`,
// defined in the `checkpoint` subcommand of zlaunch-tools (launcher/cli/tools_main.cc, which creates it
// with its description). Errors are thrown (main() maps them).
#pragma once

namespace CLI {
class App;
}

namespace zl::checkpoint {

// Adds `inspect` and `consolidate` to `checkpoint`, the subcommand the caller created.
void define_checkpoint_command(CLI::App& checkpoint);

}  // namespace zl::checkpoint
