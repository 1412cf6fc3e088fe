// A rank's "I have started" for its launcher (DESIGN.md §3): before it waits for its peers in the
// collective rendezvous, a rank of the runtime sets attempt/<N>/started/<rank> to {"host": H, "pid": P}.
// Under mpirun or srun, where the launcher starts no rank itself, this is how it tells a rank that never
// started (its node down, hung, or unable to run the program) from one that is slow: after
// --rdzv_timeout it names the missing ranks and their nodes (supervisor.h).
#pragma once

#include "zl/rank/rank_context.h"

namespace zl::store {
class StoreClient;
}

namespace zl::rank {

// Sets this rank's key through `store` (the client connected to context.store). Throws what the store
// throws: a rank that cannot reach its store cannot rendezvous either.
void announce_start(const RankContext& context, store::StoreClient& store);

}  // namespace zl::rank
