// spawn_process() and program resolution (rank_process.h). Between fork and execve the child only
// makes async-signal-safe calls: everything it needs (the guard's path and argv included) is prepared
// before forking.
#include "zl/launcher/rank_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/launcher/sibling_executable.h"

extern char** environ;

namespace zl::launcher {
namespace {

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    const auto colon = dirs.find(':', pos);
    std::string dir = dirs.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return {};
}

void child_write(const char* s) { [[maybe_unused]] ssize_t n = ::write(2, s, std::strlen(s)); }

}  // namespace

std::string resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (is_executable_file(program)) return program;
    throw UsageError("zlaunch run: program '" + program + "' does not exist or is not executable");
  }
  if (program == "train") {
    if (const std::string bundled = sibling_path("train"); is_executable_file(bundled)) return bundled;
  }
  std::string found = find_on_path(program);
  if (!found.empty()) return found;
  if (program == "train") {
    throw UsageError("zlaunch run: the bundled trainer 'train' was found neither next to zlaunch nor on PATH");
  }
  throw UsageError("zlaunch run: program '" + program + "' was not found on PATH; give its path");
}

namespace {

// The interpreter `accelerate launch` would use here: --python, else $PYTHON, else python3 then python
// on PATH. Throws UsageError naming what was tried and `why` a Python is needed.
std::string find_interpreter(const std::string& requested, const std::string& why) {
  std::string name = requested;
  std::string tried = "--python " + requested;
  if (name.empty()) {
    if (const char* python = std::getenv("PYTHON"); python != nullptr && *python != '\0') {
      name = python;
      tried = std::string("$PYTHON (") + python + ")";
    }
  }
  std::string interpreter;
  if (!name.empty()) {
    interpreter = name.find('/') != std::string::npos ? (is_executable_file(name) ? name : "") : find_on_path(name);
  } else {
    tried = "python3 and python on PATH";
    interpreter = find_on_path("python3");
    if (interpreter.empty()) interpreter = find_on_path("python");
  }
  if (interpreter.empty()) {
    throw UsageError("zlaunch run: " + why + ", but no interpreter was found (tried " + tried +
                     "); install Python, or name one with --python or PYTHON");
  }
  return interpreter;
}

}  // namespace

std::vector<std::string> resolve_command(const std::vector<std::string>& command, const ProgramOptions& how) {
  ZL_CHECK(!command.empty(), "an empty command");
  if (how.module && how.no_python) {
    throw UsageError("zlaunch run: --module and --no_python cannot be used together (as in accelerate launch)");
  }
  const std::string& program = command[0];
  if (how.module) {
    std::vector<std::string> resolved = {find_interpreter(how.python, "-m " + program + " runs a Python module"), "-m"};
    resolved.insert(resolved.end(), command.begin(), command.end());
    return resolved;
  }
  const bool python_script = program.size() > 3 && program.compare(program.size() - 3, 3, ".py") == 0;
  if (!python_script || how.no_python) {
    std::vector<std::string> resolved = command;
    resolved[0] = resolve_program(program);
    return resolved;
  }
  struct stat st {};
  if (::stat(program.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw UsageError("zlaunch run: Python script '" + program + "' does not exist");
  }
  std::vector<std::string> resolved = {find_interpreter(how.python, "'" + program + "' is a Python script")};
  resolved.insert(resolved.end(), command.begin(), command.end());
  return resolved;
}

namespace {

// The program's pid as the guard reports it on fd (EOF ends it); `fallback` when nothing came (the
// guard could not start it).
pid_t read_program_pid(int fd, pid_t fallback) {
  std::string text;
  char buffer[32];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  char* end = nullptr;
  const long pid = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && pid > 0 ? static_cast<pid_t>(pid) : fallback;
}

}  // namespace

SpawnedProcess spawn_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  SpawnedProcess spawned = start_process(argv, env);
  await_program_pid(spawned);
  return spawned;
}

void await_program_pid(SpawnedProcess& spawned) {
  if (!spawned.report_pipe.valid()) return;
  spawned.program_pid = read_program_pid(spawned.report_pipe.get(), spawned.pid);
  spawned.report_pipe.reset();
}

SpawnedProcess start_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  ZL_CHECK(!argv.empty(), "an empty command");
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) merged[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& [name, value] : env) merged[name] = value;
  std::vector<std::string> env_strings;
  env_strings.reserve(merged.size());
  for (const auto& [name, value] : merged) env_strings.push_back(name + "=" + value);
  std::vector<char*> c_env;
  for (auto& s : env_strings) c_env.push_back(s.data());
  c_env.push_back(nullptr);

  int report_pipe[2];
  ZL_CHECK_SYS(::pipe2(report_pipe, O_CLOEXEC));
  store::net::Fd report_read(report_pipe[0]);
  store::net::Fd report_write(report_pipe[1]);
  // Above the standard descriptors, which the child replaces (a zlaunch started with one closed
  // would otherwise get it here).
  if (report_write.get() <= STDERR_FILENO) {
    const int moved = ::fcntl(report_write.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    ZL_CHECK_SYS(moved);
    report_write = store::net::Fd(moved);
  }
  const pid_t parent = ::getpid();
  std::vector<std::string> guard_argv = {sibling_executable("zlaunch-rank-guard", "zlaunch run: the rank supervisor"),
                                         "--parent",
                                         std::to_string(parent),
                                         "--report-fd",
                                         std::to_string(report_write.get()),
                                         "--"};
  guard_argv.insert(guard_argv.end(), argv.begin(), argv.end());
  std::vector<char*> c_argv;
  for (auto& s : guard_argv) c_argv.push_back(s.data());
  c_argv.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  ZL_CHECK_SYS(::pipe2(out_pipe, O_CLOEXEC));
  ZL_CHECK_SYS(::pipe2(err_pipe, O_CLOEXEC));
  SpawnedProcess spawned;
  spawned.stdout_pipe = store::net::Fd(out_pipe[0]);
  spawned.stderr_pipe = store::net::Fd(err_pipe[0]);
  store::net::Fd out_write(out_pipe[1]);
  store::net::Fd err_write(err_pipe[1]);
  store::net::Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  const pid_t pid = ::fork();
  ZL_CHECK_SYS(pid);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);                 // until the guard sets its own
    if (::getppid() != parent) ::_exit(128 + SIGKILL);  // the launcher died before prctl took effect
    if (dev_null.valid()) ::dup2(dev_null.get(), 0);
    ::dup2(out_write.get(), 1);
    ::dup2(err_write.get(), 2);
    ::fcntl(report_write.get(), F_SETFD, 0);  // the guard's --report-fd
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the launcher blocks signals for its signalfd
    ::signal(SIGPIPE, SIG_DFL);                  // and ignores SIGPIPE; an ignored signal survives exec
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    child_write("zlaunch: cannot execute ");
    child_write(c_argv[0]);
    child_write(errno == ENOEXEC ? ": not an executable format\n" : ": execve failed\n");
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides set it: no window where a signal to the group misses the child
  spawned.pid = pid;
  report_write.reset();
  spawned.program_pid = pid;
  spawned.report_pipe = std::move(report_read);
  ::fcntl(spawned.stdout_pipe.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(spawned.stderr_pipe.get(), F_SETFL, O_NONBLOCK);
  return spawned;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status))
    return "killed by " + signal_name(WTERMSIG(status)) + (WCOREDUMP(status) ? " (core dumped)" : "");
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "stopped";
}

int exit_code_of(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 1;
}

}  // namespace zl::launcher
