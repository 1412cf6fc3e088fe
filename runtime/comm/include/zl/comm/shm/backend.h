// Shared-memory backend (CPU, the ranks of one machine): the default for CPU runs whose ranks all
// share a machine. One segment per communicator (src/shm/segment.h: created by rank 0, met through the
// rendezvous store, unlinked once every rank has mapped it); each rank posts its data into its own
// stages and reads its peers' from theirs, in pipelined chunks, so a message streams through caches
// and every rank reduces only its own slice (each input byte is read about once). A rank that
// exits or stalls makes the others fail naming it, within the timeout (src/shm/rank_sync.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "zl/comm/backend.h"

namespace gloo::rendezvous {
class Store;
}

namespace zl::comm {

struct ShmOptions {
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // per collective and for joining
  // Bytes one rank posts per pipeline step (two such stages per rank): large enough that a step's
  // synchronization is small against its copying, small enough that a step's data stays in cache.
  std::size_t stage_bytes = std::size_t{1} << 20;
};

// Throws zl::InfrastructureError naming the rank and what failed when the segment cannot be joined.
// A world of one needs no segment and uses no store.
std::unique_ptr<Backend> make_shm_backend(const ShmOptions& options, gloo::rendezvous::Store& store);
std::unique_ptr<Backend> make_single_rank_shm_backend();

}  // namespace zl::comm
