// zlaunch-rank-guard: the supervisor zlaunch puts between itself and every process it starts (a rank,
// or mpirun/srun), so that nothing a rank started outlives a killed launcher. PR_SET_PDEATHSIG on the
// rank reaches only that one process; its children, and anything that left its process group with
// setsid, would stay behind. The guard is the launcher's direct child instead: it becomes a child
// subreaper (every orphan of the subtree re-parents to it), and when the launcher dies it kills the
// whole subtree.
//
//   zlaunch-rank-guard --parent PID --report-fd FD -- PROGRAM [ARGS...]
//
// PROGRAM is a path (execve, no PATH lookup) and runs with the guard's environment. FD gets the
// program's pid as decimal text and is closed: once it reads EOF, the launcher knows the pid.
//
// Contract with the launcher (launcher/src/rank_process.cc starts it):
// - The guard leads its process group (the launcher's child made it), and the program starts in it.
//   A guard started inside someone else's group signals no group, only its descendants.
// - Signals: the launcher signals the process group (kill(-guard_pid, sig)), which the guard and the
//   program share, so the program gets every signal directly. The guard forwards none, and a
//   SIGTERM, SIGINT or SIGHUP does not end it: it keeps waiting for the program. SIGKILL to the group
//   takes both at once, so what left the group is then out of the guard's reach.
// - The launcher dying (PR_SET_PDEATHSIG = SIGTERM, and getppid() checked at least once a second):
//   SIGKILL to every other member of the process group and every descendant, repeated until none is
//   left (5 s at most), then exit 137. A launcher already gone
//   when the guard starts: exit 137 without starting the program.
// - The program exiting: leftovers (descendants still alive, in the group or out of it) get SIGTERM,
//   then SIGKILL after 3 s; none left, the guard ends at once. Its exit status then mirrors the
//   program's: the same exit code, or death by the same signal (raised on itself, so waitpid in the
//   launcher reads "killed by SIGSEGV" as without the guard), except that a core dump flag is not
//   carried (the guard itself dumps no core).
// - Exit 127 with a message on stderr: bad arguments ("zlaunch-rank-guard: ..."), or the program
//   could not be executed ("zlaunch: cannot execute PROGRAM: ...").
//
// Single-threaded; the only libraries are the C++ standard library and libc.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kUsageExit = 127;
constexpr int kParentGoneExit = 128 + SIGKILL;
constexpr auto kLeftoverGrace = std::chrono::seconds(3);
constexpr auto kKillBound = std::chrono::seconds(5);

struct Options {
  pid_t parent = -1;
  int report_fd = -1;
  char** program = nullptr;  // null-terminated, from argv
};

template <typename T>
bool parse_int(std::string_view text, T& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 0;
}

// The options, or an error message for stderr.
std::string parse_options(int argc, char** argv, Options& options) {
  int i = 1;
  for (; i < argc && std::string_view(argv[i]) != "--"; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return "option " + std::string(flag) + " needs a value";
    const std::string_view value = argv[i + 1];
    if (flag == "--parent") {
      if (!parse_int(value, options.parent) || options.parent == 0) return "--parent: not a pid: " + std::string(value);
    } else if (flag == "--report-fd") {
      if (!parse_int(value, options.report_fd)) return "--report-fd: not a file descriptor: " + std::string(value);
    } else {
      return "unknown option " + std::string(flag);
    }
  }
  if (options.parent < 0 || options.report_fd < 0) return "--parent and --report-fd are required";
  if (i + 1 >= argc) return "no program after --";
  options.program = argv + i + 1;
  return {};
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Whether the guard leads its process group (as under zlaunch): only then is the group the rank's.
bool leads_group() { return ::getpgrp() == ::getpid(); }

// Every live process that descends from the guard or is in the group it leads, the guard excluded,
// from /proc/<pid>/stat: "pid (comm) state ppid pgrp ...", comm possibly holding spaces and ')'.
std::vector<pid_t> subtree() {
  const pid_t self = ::getpid();
  const pid_t group = leads_group() ? self : -1;
  std::multimap<pid_t, pid_t> children;  // ppid -> pid
  std::vector<pid_t> found;
  if (DIR* proc = ::opendir("/proc")) {
    while (const dirent* entry = ::readdir(proc)) {
      pid_t pid = 0;
      if (!parse_int(std::string_view(entry->d_name), pid) || pid == self) continue;
      std::ifstream in(std::string("/proc/") + entry->d_name + "/stat");
      std::string line;
      if (!std::getline(in, line)) continue;  // gone meanwhile
      const auto close = line.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      long ppid = 0;
      long pgrp = 0;
      if (std::sscanf(line.c_str() + close + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3 || state == 'Z') continue;
      children.emplace(static_cast<pid_t>(ppid), pid);
      if (pgrp == group) found.push_back(pid);
    }
    ::closedir(proc);
  }
  for (std::vector<pid_t> frontier = {self}; !frontier.empty();) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    const auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      found.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return found;
}

// Reaps every child that has exited, noting the program's status. Returns whether children remain.
bool reap(pid_t program, bool& program_done, int& program_status) {
  while (true) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) return true;
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) return false;  // ECHILD
    if (pid == program) {
      program_done = true;
      program_status = status;
    }
  }
}

// Sends sig to the whole subtree (process by process: the guard must survive a SIGKILL to it) and
// reaps, again and again since a killed process's children re-parent to the guard, until no child is
// left or kKillBound passes.
void kill_subtree(int sig, pid_t program, bool& program_done, int& program_status) {
  const auto deadline = Clock::now() + kKillBound;
  do {
    for (const pid_t pid : subtree()) ::kill(pid, sig);
    if (!reap(program, program_done, program_status)) return;
    const timespec pause{0, 10 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  } while (Clock::now() < deadline);
}

// What ends the guard: an exit code, or (signal > 0) death by that signal.
struct Ending {
  int exit_code = 0;
  int signal = 0;
};

Ending mirror(int status) {
  if (WIFSIGNALED(status)) return {128 + WTERMSIG(status), WTERMSIG(status)};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 1, 0};
}

// Waits in sigtimedwait (signals blocked: `waited`) for the program and then its leftovers.
Ending supervise(const Options& options, pid_t program, const sigset_t& waited) {
  bool program_done = false;
  int program_status = 0;
  bool terminating = false;  // leftovers got SIGTERM
  Clock::time_point grace_end;
  while (true) {
    const timespec timeout{terminating ? 0 : 1, terminating ? 100 * 1000 * 1000 : 0};
    ::sigtimedwait(&waited, nullptr, &timeout);  // any wake-up, a timeout included, re-checks everything
    if (::getppid() != options.parent) {
      kill_subtree(SIGKILL, program, program_done, program_status);
      return {kParentGoneExit, 0};
    }
    const bool children_left = reap(program, program_done, program_status);
    if (!program_done) continue;
    if (!children_left) return mirror(program_status);
    if (!terminating) {
      terminating = true;
      grace_end = Clock::now() + kLeftoverGrace;
      if (leads_group()) ::kill(-::getpid(), SIGTERM);  // the guard blocks it
      for (const pid_t pid : subtree()) ::kill(pid, SIGTERM);
    } else if (Clock::now() >= grace_end) {
      kill_subtree(SIGKILL, program, program_done, program_status);
      return mirror(program_status);
    }
  }
}

// Forks and execs the program; -1 when fork fails. In the child: the signal mask and SIGCHLD's
// disposition as the guard found them (exec resets caught signals; one ignored stays ignored, as it
// would without the guard), and SIGKILL should the guard die alone.
pid_t start_program(const Options& options, const struct sigaction& inherited_chld) {
  const pid_t guard = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != guard) ::_exit(kParentGoneExit);
  ::sigaction(SIGCHLD, &inherited_chld, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::close(options.report_fd);
  ::execve(options.program[0], options.program, environ);
  const int err = errno;
  write_all(2, "zlaunch: cannot execute ");
  write_all(2, options.program[0]);
  write_all(2, err == ENOEXEC ? ": not an executable format\n" : ": execve failed\n");
  ::_exit(kUsageExit);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const std::string error = parse_options(argc, argv, options); !error.empty()) {
    std::fprintf(stderr,
                 "zlaunch-rank-guard: %s\n"
                 "usage: zlaunch-rank-guard --parent PID --report-fd FD -- PROGRAM [ARGS...]\n",
                 error.c_str());
    return kUsageExit;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != options.parent) return kParentGoneExit;
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  sigset_t waited;
  sigemptyset(&waited);
  for (const int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE}) {
    sigaddset(&waited, sig);
  }
  ::sigprocmask(SIG_BLOCK, &waited, nullptr);
  // An ignored SIGCHLD would have the kernel reap the program before waitpid could see its status.
  struct sigaction default_chld {};
  default_chld.sa_handler = SIG_DFL;
  struct sigaction inherited_chld {};
  ::sigaction(SIGCHLD, &default_chld, &inherited_chld);

  const pid_t program = start_program(options, inherited_chld);
  if (program < 0) {
    std::fprintf(stderr, "zlaunch-rank-guard: fork: %s\n", std::strerror(errno));
    return kUsageExit;
  }
  write_all(options.report_fd, std::to_string(program));
  ::close(options.report_fd);

  const Ending ending = supervise(options, program, waited);
  if (ending.signal > 0) {
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(ending.signal, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, ending.signal);
    ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
    ::raise(ending.signal);
  }
  return ending.exit_code;
}
