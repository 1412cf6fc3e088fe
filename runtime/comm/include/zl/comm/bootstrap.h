// Building a rank's Communicator from what the launcher gave it (DESIGN.md §3-4): its identity from
// the environment (torch-style, OpenMPI or Slurm variables), and for gloo/nccl the rendezvous store
// named by ZLAUNCH_STORE (keys under attempt/<ZLAUNCH_ATTEMPT>/comm/).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "zl/comm/communicator.h"
#include "zl/rank/rank_context.h"

namespace zl::comm {

enum class BackendKind { kShm, kGloo, kMpi, kNccl };

// "shm" | "gloo" | "mpi" | "nccl" | "auto". auto on the GPU: nccl (mpi when started by plain mpirun);
// on the CPU: shm when every rank of this process's world shares its machine and can meet through the
// rendezvous store (or the world is this one process), else mpi when started by mpirun, else gloo.
// Throws ConfigError naming `what` on anything else.
BackendKind choose_backend(const std::string& name, bool device_is_cuda, const std::string& what);
// auto's choice for a given rank context and whether mpirun started the process.
BackendKind automatic_backend(const rank::RankContext& context, bool device_is_cuda, bool under_mpirun);
const char* to_string(BackendKind kind);

// Throws UsageError when a world of several ranks has no store to meet through (shm/gloo/nccl without
// ZLAUNCH_STORE) or asks for shm across machines, InfrastructureError when the store or the peers cannot
// be reached. A world of one without a store (a process no launcher started) gets a one-rank
// communicator of its kind (shm, gloo or nccl), without any network.
std::unique_ptr<Communicator> make_communicator(BackendKind kind, const rank::RankContext& context,
                                                std::chrono::milliseconds timeout);
// The same for the context of this process's environment (programs that read nothing else of it).
std::unique_ptr<Communicator> make_communicator_from_environment(BackendKind kind, std::chrono::milliseconds timeout);

}  // namespace zl::comm
