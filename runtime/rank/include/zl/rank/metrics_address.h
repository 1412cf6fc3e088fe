// Where this rank serves /metrics, told to its launcher (DESIGN.md §3, §5): the rank sets the store key
// attempt/<N>/metrics/<rank> to "host:port" once its endpoint is bound. The launcher lists a rank in the
// Prometheus targets file only from this report, so a run never lists an address that it does not own
// (a port taken by another run, a port chosen by the kernel, ranks started by mpirun or srun).
#pragma once

#include <string>

#include "zl/rank/rank_context.h"

namespace zl::rank {

// Publishes `address` ("host:port") for this rank and attempt. No store (not under zlaunch run): does
// nothing. Returns false, with the reason in *problem, when the store cannot be reached: metrics are an
// observer, so the caller warns and trains on.
bool publish_metrics_address(const RankContext& context, const std::string& address, std::string* problem);

}  // namespace zl::rank
