// MPI backend (CPU): ranks started by `mpirun` (zlaunch run --launcher mpi) build their communicator
// from MPI_COMM_WORLD. Initializes MPI (MPI_THREAD_SERIALIZED: collectives run on the Communicator's
// thread) unless the program already did, and finalizes it on destruction if it initialized it.
// fp32 sums use MPI_SUM; 16-bit sums use user-defined MPI operations that accumulate in fp32.
#pragma once

#include <memory>

#include "zl/comm/backend.h"

namespace zl::comm {

// Throws zl::InfrastructureError when MPI cannot be initialized or lacks thread support.
std::unique_ptr<Backend> make_mpi_backend();

}  // namespace zl::comm
