// ask_blas_advice() (blas_advice.h): runs zlaunch-blas-probe with stdout into a pipe and reads its two
// lines, OpenBLAS's core and the advised OPENBLAS_CORETYPE.
#include "zl/launcher/blas_advice.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/launcher/sibling_executable.h"
#include "zl/store/socket_io.h"

extern char** environ;

namespace zl::launcher {
namespace {

constexpr const char* kProbe = "zlaunch-blas-probe";

// The launcher's environment with OPENBLAS_NUM_THREADS=1: the probe's OpenBLAS then starts no threads
// (the core it chooses depends on the CPU and OPENBLAS_CORETYPE only).
std::vector<std::string> probe_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "OPENBLAS_NUM_THREADS=", 21) != 0) env.emplace_back(*e);
  }
  env.emplace_back("OPENBLAS_NUM_THREADS=1");
  return env;
}

// The probe's stdout; throws Error naming the probe when it cannot start or does not exit 0.
std::string run_probe(const std::string& path) {
  int out[2];
  ZL_CHECK_SYS(::pipe2(out, O_CLOEXEC));
  store::net::Fd out_read(out[0]);
  store::net::Fd out_write(out[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  // The launcher blocks the signals its signalfd reads and ignores SIGPIPE; the probe gets neither.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &pipe_signal);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env = probe_environment();
  std::vector<char*> c_env;
  for (auto& s : env) c_env.push_back(s.data());
  c_env.push_back(nullptr);
  std::string argv0 = path;
  char* c_argv[] = {argv0.data(), nullptr};
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, path.c_str(), &actions, &attributes, c_argv, c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) throw SystemError("cannot start " + path, spawned);
  out_write.reset();  // EOF once the probe exits

  std::string text;
  char buffer[256];
  while (true) {
    const ssize_t n = ::read(out_read.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw SystemError("waitpid for " + path, errno);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error(path + " did not exit 0 (wait status " + std::to_string(status) + ")");
  }
  return text;
}

}  // namespace

BlasAdvice ask_blas_advice() {
  if (const char* user = std::getenv("OPENBLAS_CORETYPE"); user != nullptr && *user != '\0') return {};
  try {
    const std::string text = run_probe(sibling_executable(kProbe, "the OpenBLAS probe"));
    const auto first_end = text.find('\n');
    const auto second_end = first_end == std::string::npos ? std::string::npos : text.find('\n', first_end + 1);
    if (second_end == std::string::npos || second_end + 1 != text.size()) {
      throw Error(std::string(kProbe) + " printed '" + text + "', not two lines");
    }
    return {text.substr(0, first_end), text.substr(first_end + 1, second_end - first_end - 1)};
  } catch (const Error& e) {
    std::cerr << "zlaunch: warning: " << e.what()
              << "; the ranks get no OPENBLAS_CORETYPE advice (OpenBLAS chooses its kernels itself)\n";
    return {};
  }
}

}  // namespace zl::launcher
