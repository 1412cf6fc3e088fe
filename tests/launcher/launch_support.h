// Helpers for the launcher's integration tests: the rank program's path, the options that isolate a
// zlaunch run from the invoking user's setup, a zlaunch started in the background (to signal or kill it
// mid-run), and process-table checks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "subprocess.h"

namespace zl::testing {

// The tests' rank program (rank_program.cc), built next to the tests.
std::string rank_program();

// Options for running zlaunch in dir as a user without setup of their own: dir is the working
// directory and HOME (so no user config file is read), ZLAUNCH_STORE_TOKEN is unset (the launcher
// makes its own), as is each name in also_unset (the variables whose inherited value would change what
// the caller checks); 60 s timeout.
ProcessOptions isolated_launch_options(const std::string& dir, const std::vector<std::string>& also_unset = {});

// The command line `zlaunch run --log_dir <dir>/logs --run_id <run_id> ARGS...`.
std::vector<std::string> zlaunch_run_argv(const std::string& dir, const std::vector<std::string>& args,
                                          const std::string& run_id = "r1");

// A process started in its own process group with stdout/stderr going to files.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& output_dir);
  ~BackgroundProcess();  // SIGKILLs its process group if still running
  [[nodiscard]] pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Waits for exit; returns the exit code (128+signal), or -1 after the timeout.
  int wait(std::chrono::milliseconds timeout);
  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string out_path_;
  std::string err_path_;
};

// True when pid names no process, or only a zombie.
bool process_gone(pid_t pid);
// Waits until every pid is gone; false after the timeout.
bool wait_all_gone(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout);
// Reads DIR/rank_<r>.pid for r in [0, count), waiting up to timeout for them to appear.
std::vector<pid_t> read_pid_files(const std::string& dir, int count, std::chrono::milliseconds timeout);
std::string read_file(const std::string& path);
// Lines of text that start with prefix.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix);
// Scrapes http://127.0.0.1:port/metrics every 50 ms until `done(page)` holds (true) or the timeout
// passes (false); `page` keeps the last page served.
bool scrape_until(int port, std::string& page, std::chrono::milliseconds timeout,
                  const std::function<bool(const std::string&)>& done);
// The "[0:R] NAME=VALUE" lines of the rank program's --print-env output: rank -> name -> value.
std::map<int, std::map<std::string, std::string>> printed_environments(const std::string& out);

// /proc/<pid>/<file> (cmdline, environ) split at its NULs; empty when the process is gone or unreadable.
std::vector<std::string> process_strings(const std::string& pid, const char* file);
// Every process's command line (/proc/*/cmdline, arguments joined by spaces), by pid; processes that
// end while being read are left out.
std::map<pid_t, std::string> all_command_lines();
// The value of `name` in the environment of the first process whose environment holds
// ZLAUNCH_RUN_ID=run_id (a rank of that run), "" while there is none.
std::string environment_value_in_run(const std::string& run_id, const std::string& name);

}  // namespace zl::testing
