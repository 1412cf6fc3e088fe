// The Slurm allocation zlaunch runs in (sbatch, salloc), read from the variables Slurm sets for a job:
// with --launcher slurm, num_machines and num_processes default to the allocation's nodes and tasks,
// so `zlaunch run --launcher slurm train` inside `sbatch -N 2 --ntasks-per-node 4` runs 8 ranks on
// the 2 nodes without repeating the numbers.
#pragma once

#include <optional>
#include <string>

namespace zl::launcher {

struct SlurmAllocation {
  std::string job_id;  // SLURM_JOB_ID
  int nodes = 0;       // SLURM_JOB_NUM_NODES (or SLURM_NNODES)
  // SLURM_NTASKS, else SLURM_NTASKS_PER_NODE x nodes; 0 = the job asked for no task count.
  int tasks = 0;
};

// nullopt outside an allocation (no SLURM_JOB_ID) or when its node count is unreadable.
std::optional<SlurmAllocation> slurm_allocation_from_environment();

}  // namespace zl::launcher
