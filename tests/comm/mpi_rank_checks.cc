// Run under mpirun by mpi_backend_test: every rank builds a Communicator from MPI_COMM_WORLD and runs
// the exact-answer checks; the exit code is 0 only when every check passed on this rank.
#include <iostream>

#include "collective_checks.h"
#include "zl/comm/communicator.h"
#include "zl/comm/mpi/backend.h"

int main() {
  try {
    std::string failure;
    int size = 0;
    {
      zl::comm::Communicator comm(zl::comm::make_mpi_backend());
      size = comm.size();
      failure = zl::comm::testing::check_all_collectives(comm);
      const auto stats = comm.stats();
      if (failure.empty() && stats.of(zl::comm::Collective::kBarrier).calls != 1) failure = "barrier not counted once";
    }
    if (!failure.empty()) {
      std::cerr << "mpi checks failed: " << failure << '\n';
      return 1;
    }
    std::cout << "mpi checks passed on " << size << " ranks\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mpi checks failed: " << e.what() << '\n';
    return 1;
  }
}
