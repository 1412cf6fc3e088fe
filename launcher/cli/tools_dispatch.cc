// exec_tools() (tools_dispatch.h).
#include "tools_dispatch.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "zl/base/error.h"
#include "zl/launcher/sibling_executable.h"

namespace zl::cli {

void exec_tools(char** argv) {
  const std::string subcommand = std::string("zlaunch ") + argv[1];
  const std::string path = launcher::sibling_executable("zlaunch-tools", subcommand + ": the tools executable");
  ::execv(path.c_str(), argv);
  throw SystemError(subcommand + ": cannot execute " + path, errno);
}

}  // namespace zl::cli
