// The plan of one launch: the world (machines x processes), this machine's ranks, the rendezvous
// addresses, the run directory, and the environment contract every rank receives (DESIGN.md §3).
// Built once per launch from the resolved config and the run options; printed by --dry_run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "zl/config/resolved_config.h"
#include "zl/launcher/device_assignment.h"

namespace zl::launcher {

struct LaunchPlan {
  std::string run_id;
  std::string run_dir;      // <log_dir>/<run_id>
  std::string config_path;  // <run_dir>/config.resolved.json (ZLAUNCH_CONFIG)
  int num_machines = 1;
  int machine_rank = 0;
  int procs_per_machine = 1;
  int world_size = 1;
  std::string hostname;         // this machine, as shown in reports and the targets file
  std::string main_process_ip;  // machine 0: store host and MASTER_ADDR
  int store_port = 0;           // the rendezvous store (0 until the store is bound)
  int master_port = 0;          // MASTER_PORT for torch-style programs, distinct from store_port
  std::string token;            // the store's secret (ZLAUNCH_STORE_TOKEN)
  config::LauncherKind launcher = config::LauncherKind::kLocal;
  std::string hostfile;
  std::vector<std::string> command;  // resolved program path + its arguments
  int metrics_port = 9470;
  bool metrics_enabled = true;
  std::string metrics_bind = "127.0.0.1";
  std::string targets_file_extra;   // metrics.targets_file
  std::string metrics_pushgateway;  // metrics.pushgateway ("" = none): ZLAUNCH_METRICS_PUSHGATEWAY
  // "host:port" this launcher serves /metrics on (Endpoint::scrape_address); "" = not serving.
  std::string launcher_metrics_address;
  int max_restarts = 0;
  // --rdzv_timeout in whole seconds, rounded up: how long the machines, and the ranks of a rendezvous
  // (ZLAUNCH_RDZV_TIMEOUT), wait for each other; under mpirun/srun, how long ranks may take to start.
  int rdzv_timeout_s = 300;
  int omp_num_threads = 1;    // 0 = the user set OMP_NUM_THREADS; leave it alone
  std::string blas_core;      // the kernels OpenBLAS chose in a rank-like process (blas_advice.h)
  std::string blas_coretype;  // OPENBLAS_CORETYPE for the ranks when OpenBLAS misjudged this CPU
                              // (zl/kernels/blas_core.h); "" = leave OpenBLAS's choice
  std::string mixed_precision;
  DeviceAssignment devices;      // device: cuda -> one GPU per local rank (device_assignment.h)
  std::string role = "default";  // torchrun's --role: ROLE_NAME
  // Rank 0 draws its live progress bar (ZLAUNCH_PROGRESS_BAR=1): this launcher's console is a terminal
  // that shows rank 0's stdout (Console keeps the bar below the other ranks' lines).
  bool progress_bar = false;
  // accelerate launch's variables for this config (program_environment.h), the same on every rank.
  std::map<std::string, std::string> accelerate_environment;
  // The DeepSpeed JSON the program reads (<run_dir>/deepspeed_config.json, ProgramView), named in
  // ACCELERATE_DEEPSPEED_CONFIG_FILE and ZLAUNCH_DEEPSPEED_CONFIG; "" = the config has no DeepSpeed file.
  std::string deepspeed_config_path;

  [[nodiscard]] int first_rank() const { return machine_rank * procs_per_machine; }
  // The zlaunch launchers of the run that meet in the store: one per machine when each machine runs its
  // own (--launcher local), one when mpirun or srun starts every machine's ranks from machine 0.
  [[nodiscard]] int launchers() const { return launcher == config::LauncherKind::kLocal ? num_machines : 1; }
  // The port the launcher asks for: just past its ranks' ports (metrics.port + processes per machine),
  // 0 (any free port) when metrics.port is 0 or that would pass 65535.
  [[nodiscard]] int launcher_metrics_port_wanted() const;
  [[nodiscard]] std::string store_address() const;
  // <log_dir>/targets/<run_id>.json (<run_id>.node<M>.json on several machines, which may share the
  // log dir): this run's entry in the one directory every run's targets go to, for one file_sd glob.
  [[nodiscard]] std::string shared_targets_path() const;
  [[nodiscard]] std::string attempt_dir(int attempt) const;
  [[nodiscard]] std::string rank_log_path(int attempt, int rank, const char* stream) const;  // .out / .err
  [[nodiscard]] std::string error_file_path(int attempt, int rank) const;
};

// Variables every rank shares (no per-rank identity): WORLD_SIZE, MASTER_*, ZLAUNCH_*, OMP_NUM_THREADS,
// accelerate launch's (accelerate_environment, ACCELERATE_DEEPSPEED_CONFIG_FILE).
std::map<std::string, std::string> shared_environment(const LaunchPlan& plan, int attempt);
// shared_environment() plus RANK, LOCAL_RANK, ZLAUNCH_ERROR_FILE, torchrun's per-rank variables
// (torchrun_environment), and for device: cuda ZLAUNCH_LOCAL_DEVICE (and the user's
// CUDA_VISIBLE_DEVICES, unchanged).
std::map<std::string, std::string> rank_environment(const LaunchPlan& plan, int attempt, int local_rank);

// A fresh run id: UTC time plus random hex, e.g. "20261123-184500-3fa2".
std::string generate_run_id();
// 128 random bits as hex (/dev/urandom).
std::string generate_token();

}  // namespace zl::launcher
