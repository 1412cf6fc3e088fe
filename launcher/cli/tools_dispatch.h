// How zlaunch runs a subcommand of zlaunch-tools (tool_commands.h): it replaces itself with the
// zlaunch-tools next to it (zl/launcher/sibling_executable.h), same arguments, same environment, same
// standard streams, same process id, so the user sees what one executable would do: the same output
// and the same exit code, and signals reach the subcommand itself.
#pragma once

namespace zl::cli {

// execv(<zlaunch's directory>/zlaunch-tools, argv); returns only by throwing: InfrastructureError
// (exit 3) naming zlaunch-tools and the path looked at when it is missing, SystemError when exec fails.
// Call before printing anything (buffered output would be lost) and before starting threads.
[[noreturn]] void exec_tools(char** argv);

}  // namespace zl::cli
