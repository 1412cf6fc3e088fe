// The options of `zlaunch run`: Accelerate's names and meanings (both spellings, --num_processes and
// --num-processes), torchrun's common options as aliases, and zlaunch's own. Every `accelerate launch`
// option is either implemented or refused by name with the reason (docs/launcher.md, "Options"); an
// option zlaunch does not know at all is exit 2 with a did-you-mean. Only flags the user typed reach
// configtool's resolve(), so a default never overrides a config file.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "zl/launcher/rank_process.h"
#include "zl/launcher/stream_selection.h"

namespace CLI {
class App;
}

namespace zl::launcher {

struct RunOptions {
  // Settings configtool resolves (they may also come from files and ZLAUNCH_* variables): only the
  // flags the user typed, by configtool key, as typed (ResolveRequest::flags).
  std::string config_file;
  std::map<std::string, std::string> typed_config_values;

  // Accelerate's program-facing flags (AccelerateFacts), applied over what the config files say.
  bool cpu = false;            // --cpu: the CPU, ACCELERATE_USE_CPU
  bool use_deepspeed = false;  // --use_deepspeed: distributed_type DEEPSPEED
  bool multi_gpu = false;      // --multi_gpu: distributed_type MULTI_GPU
  bool debug = false;
  bool enable_cpu_affinity = false;
  std::string gpu_ids;
  int num_cpu_threads_per_process = 0;
  std::string zero3_init_flag;  // "" | "true" | "false"

  // torchrun's process count per machine (--nproc_per_node: a number, gpu, cpu or auto), turned into
  // num_processes = N x num_machines once the machine count is known.
  std::string nproc_per_node;

  // Launcher-only settings.
  double monitor_interval = 0.1;  // seconds between liveness/progress checks (<= 0.1 s recommended)
  double shutdown_timeout = 5.0;  // SIGTERM -> SIGKILL grace, seconds
  double rdzv_timeout = 300.0;    // how long machines wait for each other, seconds
  double hang_timeout = 0.0;      // seconds without progress before a rank counts as hung; 0 = off
  std::string tee = "3";          // torchrun's --tee (stream_selection.h); "false" = --redirects 3
  std::string redirects = "0";    // torchrun's --redirects: streams kept off the console
  std::string ranks_filter;       // "0,3": console shows only these ranks
  bool dry_run = false;
  std::string run_id;                // "" = generated (machine 0) or received from machine 0
  std::string rdzv_token;            // "" = ZLAUNCH_STORE_TOKEN, then derived (see docs/launcher.md)
  std::string role = "default";      // torchrun's --role: ROLE_NAME
  ProgramOptions program;            // -m, --no_python, --python
  std::vector<std::string> command;  // PROGRAM [ARGS...]
};

// Adds every option to the `run` subcommand; values land in `options` after parsing. Options that
// zlaunch refuses are registered too, so that they fail by name (check_refused_options).
void add_run_options(CLI::App& run, RunOptions& options);

// Throws UsageError naming the first refused option the user gave (FSDP, Megatron-LM, TPU, dynamo, ...)
// and why zlaunch cannot honour it.
void check_refused_options(const CLI::App& run);

// Parses --ranks_filter ("0,3,5"); throws UsageError naming the flag on anything else.
std::set<int> parse_ranks_filter(const std::string& text, int world_size);

// Checks the launcher-only values; throws UsageError naming the flag.
void validate_run_options(const RunOptions& options);

// The streams --redirects (and the older --tee false) keep off the console; checks --tee.
StreamSelection console_exclusions(const RunOptions& options);

}  // namespace zl::launcher
