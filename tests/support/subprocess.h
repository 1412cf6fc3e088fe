// Test support: run a real program the way a user would (argv, environment, stdin closed) and collect
// its exit status and output. Used by every integration test that drives the built binaries.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zl::testing {

struct ProcessResult {
  int exit_code = -1;      // the exit status, or 128+signal when killed by a signal
  int term_signal = 0;     // the signal that ended it, 0 if it exited
  bool timed_out = false;  // killed (SIGKILL to its process group) after the timeout
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::map<std::string, std::string> set_env;  // added to (or replacing in) the inherited environment
  std::vector<std::string> unset_env;
  std::string working_directory;  // "" = inherit
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  std::optional<std::string> stdin_text;  // written to the program's stdin, then closed
};

// Runs argv[0] (a path, or looked up on PATH) in its own process group and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Paths of the built binaries, from the environment ctest gives every test (cmake/ZlTesting.cmake).
std::string zlaunch_binary();
std::string train_binary();
std::string source_dir();
// ../shared next to the checkout, or nullopt when this is a user's clone without it (tests then
// GTEST_SKIP with a printed reason).
std::optional<std::string> shared_dir();

// A fresh empty directory under the test's temporary area, removed by the caller or the OS.
std::string make_temp_dir(const std::string& prefix);

}  // namespace zl::testing
