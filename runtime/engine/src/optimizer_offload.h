// OptimizerOffload: ZeRO-Offload of the optimizer (offload_optimizer.device: cpu on device: cuda). The
// optimizer steps this rank's owned shard on the host: for every owned parameter tensor that lives on
// the GPU, an fp32 master copy (MemoryKind::kMaster) and a gradient staging buffer (kBuffers) are kept
// in host memory (pinned with offload_optimizer.pin_memory), and the optimizer allocates its states next to the master
// (kOptimizer, host), so the GPU holds no optimizer state at all. One step: the owned gradients are copied down, the
// CPU optimizer (kernels/cpu: vectorized, threaded) updates the masters, and the masters are copied up into the GPU
// parameters. Owned tensors already on the host (stage 3 with offload_param) are updated in place. Internal to the
// engine.
#pragma once

#include <vector>

#include "zl/runtime/allocator.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

class OptimizerOffload {
 public:
  // pinned: offload_optimizer.pin_memory (page-locked masters and staging, faster copies).
  OptimizerOffload(runtime::Allocator& allocator, bool pinned) : allocator_(allocator), pinned_(pinned) {}

  // The host tensors the optimizer updates for `owned` (the same list, pairwise, at every call): the
  // masters, created from `owned` on first use.
  const std::vector<runtime::Tensor>& host_params(const std::vector<runtime::Tensor>& owned);
  // `grads` (pairwise with the owned parameters) on the host: copied into the staging buffers.
  std::vector<runtime::Tensor> host_grads(const std::vector<runtime::Tensor>& grads);
  // Copies the masters into the owned GPU tensors (after a step, or after a checkpoint load).
  void write_back(const std::vector<runtime::Tensor>& owned) const;
  // Copies the owned GPU tensors into the masters (after parameters were loaded into the storage).
  void refresh(const std::vector<runtime::Tensor>& owned) const;

 private:
  runtime::Allocator& allocator_;
  bool pinned_;
  std::vector<runtime::Tensor> masters_;  // host; the owned tensor itself when it is on the host
  std::vector<runtime::Tensor> staging_;  // host gradient buffers; undefined where the gradient is on the host
};

}  // namespace zl::engine
