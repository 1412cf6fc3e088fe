// Starting one rank (or the mpirun/srun process of an external launch) as a supervised child:
// its own process group (so signals reach everything it starts), stdin from /dev/null, stdout/stderr
// into pipes the launcher reads. The launcher's child is zlaunch-rank-guard (launcher/guard/
// rank_guard.cc), found next to the zlaunch binary, which runs the program as its own child: it
// forwards no signal (the launcher signals the group, which both are in), mirrors the program's exit
// status, stops what the program left behind when it exits, and, as the subtree's child subreaper,
// kills all of it, even processes that left the group, when the launcher dies (which PR_SET_PDEATHSIG
// on the rank alone could not: it reaches only the one process). Call only from the thread that
// supervises: the parent-death signal is tied to the thread that forked.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "zl/store/socket_io.h"

namespace zl::launcher {

struct SpawnedProcess {
  pid_t pid = -1;              // the guard's, also its process group's: what the launcher waits for and signals
  pid_t program_pid = -1;      // the program's own (for its samples and reports); = pid when it never started
  store::net::Fd stdout_pipe;  // read ends, non-blocking
  store::net::Fd stderr_pipe;
  store::net::Fd report_pipe;  // until await_program_pid(): where the guard reports program_pid
};

// argv[0] must be a path (resolve it first: the guard only calls execve). `env` replaces or adds to
// the launcher's own environment. Returns once the program is started. Throws SystemError when fork
// or pipe fails, InfrastructureError naming the path expected when zlaunch-rank-guard is missing; an
// exec failure shows up as exit code 127 with a message on the child's stderr.
SpawnedProcess spawn_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);

// spawn_process in two halves, so that a launcher starting several ranks forks them all before it
// waits for any (each guard's exec and the program's overlap): start_process returns once the guard
// is forked, with program_pid unknown (= pid); await_program_pid waits for the guard's report.
SpawnedProcess start_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
void await_program_pid(SpawnedProcess& spawned);

// Resolves PROGRAM: "train" = the bundled trainer next to this zlaunch binary, else on PATH; a name
// with a slash is a path; anything else is looked up on PATH. Throws UsageError (exit 2) naming the
// program when nothing executable is found.
std::string resolve_program(const std::string& program);

// How PROGRAM is started (accelerate launch's -m/--module and --no_python, zlaunch's --python).
struct ProgramOptions {
  bool module = false;     // run `python -m PROGRAM ARGS...`
  bool no_python = false;  // run PROGRAM itself, even a .py file
  std::string python;      // the interpreter ("" = $PYTHON, else python3 then python on PATH)
};

// The argv a rank runs for the user's command: a `.py` script (unless no_python) runs with the Python
// that `accelerate launch` would use, as [python, script, args...]; `module` as [python, -m, module,
// args...]; anything else is resolve_program(command[0]) with the same arguments. Throws UsageError
// naming the interpreters tried when none is found, and for module together with no_python.
std::vector<std::string> resolve_command(const std::vector<std::string>& command, const ProgramOptions& how = {});

// "SIGSEGV" for 11, "signal 42" for an unnamed one.
std::string signal_name(int sig);

// "exited with code 7" / "killed by SIGSEGV" from a waitpid status.
std::string describe_status(int status);
// 0..255 exit code, or 128+signal.
int exit_code_of(int status);

}  // namespace zl::launcher
