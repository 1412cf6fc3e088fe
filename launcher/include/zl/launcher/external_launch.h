// Commands for launching through an external launcher (DESIGN.md §3): `mpirun` (--launcher mpi) and
// `srun` inside a Slurm allocation (--launcher slurm). The env contract's shared part is set in the
// external launcher's own environment, which carries it to every rank: mpirun with `-x NAME` (names
// only), srun with --export=ALL. No value, least of all the store's secret, is ever on a command line
// (where ps shows it to every user of the machine). Ranks read their identity from OMPI_COMM_WORLD_*
// or SLURM_* through zl::rank::rank_identity_from_env().
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

// `env`: the variables mpirun is started with, named with -x so that mpirun exports them.
std::vector<std::string> mpirun_command(const LaunchPlan& plan, const std::map<std::string, std::string>& env,
                                        bool as_root);
// --label: every task's lines start with "R: " (ExternalOutputDemux splits them back per rank).
std::vector<std::string> srun_command(const LaunchPlan& plan);

// The environment an external launcher passes to every rank (shared part + error-file template).
std::map<std::string, std::string> external_environment(const LaunchPlan& plan, int attempt);

// argv as one shell-quoted line, for --dry_run and messages.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace zl::launcher
