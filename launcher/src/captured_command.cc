// run_captured() (captured_command.h).
#include "zl/launcher/captured_command.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/store/socket_io.h"

extern char** environ;

namespace zl::launcher {
namespace {

std::vector<std::string> child_environment(const std::map<std::string, std::string>& changes) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (changes.count(entry.substr(0, entry.find('='))) == 0) env.push_back(entry);
  }
  for (const auto& [name, value] : changes) {
    if (!value.empty()) env.push_back(name + "=" + value);
  }
  return env;
}

}  // namespace

bool CapturedOutput::succeeded() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

CapturedOutput run_captured(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int out[2];
  ZL_CHECK_SYS(::pipe2(out, O_CLOEXEC));
  store::net::Fd out_read(out[0]);
  store::net::Fd out_write(out[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
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

  std::vector<std::string> environment = child_environment(env);
  std::vector<char*> c_env;
  for (auto& entry : environment) c_env.push_back(entry.data());
  c_env.push_back(nullptr);
  std::vector<std::string> arguments = argv;
  std::vector<char*> c_argv;
  for (auto& argument : arguments) c_argv.push_back(argument.data());
  c_argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv.at(0).c_str(), &actions, &attributes, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) throw SystemError("cannot start " + argv[0], spawned);
  out_write.reset();  // EOF once the child exits

  CapturedOutput result;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(out_read.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.out.append(buffer, static_cast<std::size_t>(n));
  }
  while (::waitpid(pid, &result.status, 0) < 0) {
    if (errno != EINTR) throw SystemError("waitpid for " + argv[0], errno);
  }
  return result;
}

}  // namespace zl::launcher
