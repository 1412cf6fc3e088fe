// The optimizer's shard on the host (optimizer_offload.h).
#include "optimizer_offload.h"

#include "zl/base/check.h"

namespace zl::engine {

using runtime::Device;
using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

const std::vector<Tensor>& OptimizerOffload::host_params(const std::vector<Tensor>& owned) {
  if (masters_.empty()) {
    for (const Tensor& p : owned) {
      if (p.device() == Device::kCpu) {
        masters_.push_back(p);
        continue;
      }
      Tensor master = Tensor::host_zeros({p.numel()}, DType::kF32, MemoryKind::kMaster, pinned_, allocator_);
      master.copy_from(p);
      masters_.push_back(std::move(master));
    }
  }
  ZL_CHECK(masters_.size() == owned.size(),
           "offloaded optimizer: " << owned.size() << " owned tensors, " << masters_.size() << " masters");
  return masters_;
}

std::vector<Tensor> OptimizerOffload::host_grads(const std::vector<Tensor>& grads) {
  if (staging_.empty()) staging_.resize(grads.size());
  ZL_CHECK(staging_.size() == grads.size(), "offloaded optimizer: the gradient list changed between steps");
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].device() == Device::kCpu) {
      out.push_back(grads[i]);
      continue;
    }
    if (!staging_[i].defined()) {
      staging_[i] = Tensor::host_zeros({grads[i].numel()}, DType::kF32, MemoryKind::kBuffers, pinned_, allocator_);
    }
    staging_[i].copy_from(grads[i]);
    out.push_back(staging_[i]);
  }
  return out;
}

void OptimizerOffload::write_back(const std::vector<Tensor>& owned) const {
  for (std::size_t i = 0; i < owned.size() && i < masters_.size(); ++i) {
    if (!masters_[i].shares_storage_with(owned[i])) owned[i].copy_from(masters_[i]);
  }
}

void OptimizerOffload::refresh(const std::vector<Tensor>& owned) const {
  for (std::size_t i = 0; i < owned.size() && i < masters_.size(); ++i) {
    if (!masters_[i].shares_storage_with(owned[i])) masters_[i].copy_from(owned[i]);
  }
}

}  // namespace zl::engine
