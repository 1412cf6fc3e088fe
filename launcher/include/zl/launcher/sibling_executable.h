// The executables built and installed next to zlaunch in one bin/ directory (zlaunch-rank-guard,
// zlaunch-tools, zlaunch-blas-probe, train), found through the directory of the running executable
// (/proc/self/exe, symlinks resolved), never through PATH: a zlaunch always runs its own siblings.
#pragma once

#include <string>

namespace zl::launcher {

// True when path names a regular file this process may execute.
bool is_executable_file(const std::string& path);

// <directory of /proc/self/exe>/name, whether or not it exists. Throws SystemError when /proc/self/exe
// cannot be read.
std::string sibling_path(const std::string& name);

// sibling_path(name) when that is an executable file. Otherwise throws InfrastructureError (exit 3)
// "<what> <path> is missing or not executable; it is built and installed next to zlaunch", so the
// message names what was looked for and where.
std::string sibling_executable(const std::string& name, const std::string& what);

}  // namespace zl::launcher
