// Who am I? The rank's place in the world, read from whichever launcher started it (DESIGN.md §3):
// torch-style RANK/WORLD_SIZE/LOCAL_RANK (zlaunch run --launcher local, torchrun), OpenMPI's
// OMPI_COMM_WORLD_* (zlaunch run --launcher mpi, plain mpirun), or Slurm's SLURM_PROCID/SLURM_NTASKS/
// SLURM_LOCALID (srun). RankContext::from_environment() (rank_context.h) calls it once at start-up.
#pragma once

#include <functional>
#include <string>

namespace zl::rank {

struct RankIdentity {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  int node_rank = 0;
  std::string source;  // "torch", "openmpi" or "slurm": which variables it came from
};

using EnvLookup = std::function<const char*(const char* name)>;

// Tries torch-style, then OpenMPI, then Slurm variables; the first family whose rank and world size
// are both present wins. Missing local values default to a single machine (local = global). Throws
// zl::UsageError naming the variable when a value is not an integer or out of range, or when no family
// is present (not started by a launcher).
RankIdentity rank_identity_from_env(const EnvLookup& lookup);
RankIdentity rank_identity_from_env();  // the process environment

}  // namespace zl::rank
