// Running a short helper program to completion and reading what it prints (zlaunch-blas-probe,
// scontrol): the child gets the launcher's environment with changes, an empty signal mask and default
// SIGPIPE (the launcher blocks the signals its signalfd reads and ignores SIGPIPE), stdin from the
// launcher, stdout into a pipe read to EOF, stderr the launcher's own. Call only from the thread that
// supervises, before the supervisor starts or while its loop is not reaping: this call waits for its
// own child by pid.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace zl::launcher {

struct CapturedOutput {
  int status = 0;                        // waitpid status
  std::string out;                       // everything it wrote to stdout
  [[nodiscard]] bool succeeded() const;  // exited with code 0
};

// argv[0] is a path (posix_spawn, no PATH lookup). `env` sets (or, for an empty value, removes) variables
// of the launcher's environment for the child. Throws SystemError when the child cannot be started.
CapturedOutput run_captured(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

}  // namespace zl::launcher
