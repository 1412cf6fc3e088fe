// Gloo backend (CPU, TCP): the default for rendezvous launches. Connects a full mesh through any
// gloo::rendezvous::Store (our launcher's store through its adapter, or gloo's own FileStore/HashStore
// in tests). reduce_scatter is a ring on gloo's point-to-point send/recv, because Debian's gloo
// ReduceScatterHalvingDoubling is racy (DEPENDENCIES.md); sums use our vectorized reduce functions.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "zl/comm/backend.h"

namespace gloo::rendezvous {
class Store;
}

namespace zl::comm {

struct GlooOptions {
  int rank = 0;
  int size = 1;
  std::string hostname = "127.0.0.1";                            // address this rank listens on for its peers
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // per collective and for connecting
};

// Throws zl::InfrastructureError naming the rank and address when the mesh cannot be connected.
std::unique_ptr<Backend> make_gloo_backend(const GlooOptions& options, gloo::rendezvous::Store& store);

}  // namespace zl::comm
