// make_nccl_backend for builds without CUDA: a clear error instead of a missing symbol.
#include "zl/base/error.h"
#include "zl/comm/nccl/backend.h"

namespace zl::comm {

std::unique_ptr<Backend> make_nccl_backend(const NcclOptions&, gloo::rendezvous::Store&) {
  throw UnavailableError(
      "the nccl backend needs a build with CUDA (configure with -DZL_CUDA=ON on a machine with the CUDA toolkit and "
      "NCCL), and a GPU; use backend gloo or mpi on CPU");
}

}  // namespace zl::comm
