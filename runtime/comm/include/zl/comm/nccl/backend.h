// NCCL backend (GPU): one rank per GPU; buffers are device pointers, or host pointers (small control
// values: loss sums, status words, hashes), which are staged through a device buffer of the backend. Rank 0 creates the
// NCCL unique id and publishes it through the rendezvous store (any gloo::rendezvous::Store: the launcher's store
// adapter in production); the others read it. Collectives are queued on the backend's own
// communication stream, after the submitting thread's compute-stream work (submission_fence, an event),
// and completed before returning (the Backend contract is synchronous; the Communicator's thread
// provides the overlap). Built only with CUDA.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "zl/comm/backend.h"

namespace gloo::rendezvous {
class Store;
}

namespace zl::comm {

struct NcclOptions {
  int rank = 0;
  int size = 1;
  int device = 0;                   // CUDA device of this rank (LOCAL_RANK within CUDA_VISIBLE_DEVICES)
  std::string key_prefix = "nccl";  // store key of the unique id: <prefix>/unique_id
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};
};

// Throws zl::UnavailableError when this build has no CUDA or no GPU is visible, and
// zl::InfrastructureError when NCCL fails to initialize.
std::unique_ptr<Backend> make_nccl_backend(const NcclOptions& options, gloo::rendezvous::Store& store);

}  // namespace zl::comm
