// Finding zlaunch's sibling executables (sibling_executable.h).
#include "zl/launcher/sibling_executable.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "zl/base/error.h"

namespace zl::launcher {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string sibling_path(const std::string& name) {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw SystemError("zlaunch: readlink /proc/self/exe", errno);
  const std::string path(self, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/')) + "/" + name;
}

std::string sibling_executable(const std::string& name, const std::string& what) {
  const std::string path = sibling_path(name);
  if (!is_executable_file(path)) {
    throw InfrastructureError(what + " " + path +
                              " is missing or not executable; it is built and installed next to zlaunch");
  }
  return path;
}

}  // namespace zl::launcher
