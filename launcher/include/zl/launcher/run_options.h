// The options of `zlaunch run` (Accelerate's names where one exists) and how they reach configtool:
// only flags the user typed are passed to resolve(), so a default never overrides a config file.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace zl::launcher {

struct RunOptions {
  // Settings configtool resolves (they may also come from files and ZLAUNCH_* variables): only the
  // flags the user typed, by configtool key, as typed (ResolveRequest::flags).
  std::string config_file;
  std::map<std::string, std::string> typed_config_values;

  // Launcher-only settings.
  double monitor_interval = 0.1;  // seconds between liveness/progress checks (<= 0.1 s recommended)
  double shutdown_timeout = 5.0;  // SIGTERM -> SIGKILL grace, seconds
  double rdzv_timeout = 300.0;    // how long machines wait for each other, seconds
  double hang_timeout = 0.0;      // seconds without progress before a rank counts as hung; 0 = off
  bool tee = true;                // mirror rank output on the console (files are always written)
  std::string ranks_filter;       // "0,3": console shows only these ranks
  bool dry_run = false;
  std::string run_id;                // "" = generated (machine 0) or received from machine 0
  std::string rdzv_token;            // "" = ZLAUNCH_STORE_TOKEN, then derived (see docs/launcher.md)
  std::vector<std::string> command;  // PROGRAM [ARGS...]
};

// Adds every option to the `run` subcommand; values land in `options` after parsing.
void add_run_options(CLI::App& run, RunOptions& options);

// Parses --ranks_filter ("0,3,5"); throws UsageError naming the flag on anything else.
std::set<int> parse_ranks_filter(const std::string& text, int world_size);

// Checks the launcher-only values; throws UsageError naming the flag.
void validate_run_options(const RunOptions& options);

}  // namespace zl::launcher
