// The variables torchrun and `accelerate launch` give a program, which `zlaunch run` gives every rank
// besides its own contract (launch_plan.h), so that a torch or Accelerate script sees under zlaunch
// what it sees under `torchrun --nproc_per_node N` or `accelerate launch --config_file X` with the
// same config (docs/launcher.md, "Environment"). The lists are read from the anchors' code:
// torch/distributed/elastic/agent/server/local_elastic_agent.py (_start_workers), torch/distributed/run.py,
// accelerate/utils/launch.py (prepare_deepspeed_cmd_env, prepare_multi_gpu_env,
// prepare_simple_launcher_cmd_env); the comparisons live in tests/launcher/anchors/.
#pragma once

#include <map>
#include <string>

#include "zl/config/resolved_config.h"

namespace zl::launcher {

struct LaunchPlan;

// Accelerate's variables for this config, the same on every rank. Which of accelerate launch's paths
// the config takes decides the set: DeepSpeed (ACCELERATE_USE_DEEPSPEED and the plugin's variables,
// PYTHONPATH += `working_directory`), the CPU (ACCELERATE_USE_CPU, KMP_*), otherwise multi-GPU (the
// ACCELERATE_DYNAMO_* defaults). A plugin variable is set only for a value the user gave (a file, a
// flag, ZLAUNCH_*), as accelerate launch sets it only for what its YAML or command line holds:
// an unset one keeps DeepSpeedPlugin's own default. ACCELERATE_DEEPSPEED_CONFIG_FILE is added per run by
// rank_environment() (the file lies in the run directory).
std::map<std::string, std::string> accelerate_environment(const config::ResolvedConfig& config,
                                                          const std::string& working_directory);

// Whether an Accelerate program would use DeepSpeed with this config (distributed_type DEEPSPEED
// without use_cpu, or a DeepSpeed JSON given directly).
bool program_uses_deepspeed(const config::ResolvedConfig& config);

// torchrun's per-rank variables beyond RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_*:
// GROUP_RANK, GROUP_WORLD_SIZE, ROLE_NAME, ROLE_RANK, ROLE_WORLD_SIZE, TORCHELASTIC_* and
// TORCH_NCCL_ASYNC_ERROR_HANDLING. TORCHELASTIC_USE_AGENT_STORE is False: zlaunch's store is not a
// torch TCPStore, so torch's env:// rendezvous has rank 0 host its own at MASTER_PORT.
std::map<std::string, std::string> torchrun_environment(const LaunchPlan& plan, int attempt, int rank);

// Python's str(float): the shortest text that reads back the same, with ".0" on integral values
// ("0.5", "1.0", "1e-05"), as accelerate launch writes ACCELERATE_GRADIENT_CLIPPING.
std::string python_float_text(double value);

}  // namespace zl::launcher
