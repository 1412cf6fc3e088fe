// Commands for launching through an external launcher (DESIGN.md §3): `mpirun` (--launcher mpi) and
// `srun` inside a Slurm allocation (--launcher slurm). The env contract's shared part travels with
// -x NAME=VALUE (mpirun) or --export=ALL,NAME=VALUE (srun); ranks read their identity from
// OMPI_COMM_WORLD_* or SLURM_* through zl::rank::rank_identity_from_env().
#pragma once

#include <map>
#include <string>
#include <vector>

#include "zl/launcher/launch_plan.h"

namespace zl::launcher {

struct HostfileEntry {
  std::string host;
  int slots = 1;
};

// DeepSpeed/OpenMPI hostfile: "host slots=N" per line, '#' comments. Throws ConfigError naming
// file:line on anything else.
std::vector<HostfileEntry> read_hostfile(const std::string& path);

std::vector<std::string> mpirun_command(const LaunchPlan& plan, const std::map<std::string, std::string>& env,
                                        bool as_root);
std::vector<std::string> srun_command(const LaunchPlan& plan, const std::map<std::string, std::string>& env);

// The environment an external launcher passes to every rank (shared part + error-file template).
std::map<std::string, std::string> external_environment(const LaunchPlan& plan, int attempt);

// argv as one shell-quoted line, for --dry_run and messages.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace zl::launcher
