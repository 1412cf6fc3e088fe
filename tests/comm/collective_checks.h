// Checks shared by the gloo (threads) and mpi (processes) collective tests: each rank fills inputs
// with small integers whose sums are exact in every dtype, runs every collective through a
// Communicator, and compares with the known answer. Returns a description of the first mismatch,
// or "" when everything matched.
#pragma once

#include <string>

#include "zl/comm/communicator.h"

namespace zl::comm::testing {

std::string check_all_collectives(Communicator& comm);

}  // namespace zl::comm::testing
