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

enum class BackendKind { kGloo, kMpi, kNccl };

// "gloo" | "mpi" | "nccl" | "auto"; auto = mpi when started by mpirun (OMPI_COMM_WORLD_SIZE set),
// nccl when `device_is_cuda`, else gloo. Throws ConfigError naming `what` on anything else.
BackendKind choose_backend(const std::string& name, bool device_is_cuda, const std::string& what);
const char* to_string(BackendKind kind);

// Throws UsageError when a world of several ranks has no store to meet through (gloo/nccl without
// ZLAUNCH_STORE), InfrastructureError when the store or the peers cannot be reached. A world of one
// without a store (a process no launcher started) gets a one-rank communicator of its kind (gloo or
// nccl) through an in-process store, without any network.
std::unique_ptr<Communicator> make_communicator(BackendKind kind, const rank::RankContext& context,
                                                std::chrono::milliseconds timeout);
// The same for the context of this process's environment (programs that read nothing else of it).
std::unique_ptr<Communicator> make_communicator_from_environment(BackendKind kind, std::chrono::milliseconds timeout);

}  // namespace zl::comm
