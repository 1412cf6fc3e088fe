// Growable scratch and activation buffers (zl/runtime/workspace.h).
#include "zl/runtime/workspace.h"

namespace zl::runtime {

Tensor ActivationBuffer::get(std::int64_t numel, Allocator& allocator, Device device) {
  if (!storage_.defined() || storage_.numel() < numel || storage_.device() != device) {
    storage_ = Tensor();  // release first so the peak never holds both
    storage_ = Tensor::empty({numel}, DType::kF32, MemoryKind::kActivations, device, allocator);
  }
  return storage_.view(0, {numel});
}

Tensor Workspace::get(std::size_t id, std::int64_t numel) {
  if (slots_.size() <= id) slots_.resize(id + 1);
  if (!slots_[id].defined() || slots_[id].numel() < numel) {
    slots_[id] = Tensor();
    slots_[id] = Tensor::empty({numel}, DType::kF32, MemoryKind::kActivations, device_, *allocator_);
  }
  return slots_[id].view(0, {numel});
}

Tensor Workspace::zeros(std::size_t id, std::int64_t numel) {
  Tensor t = get(id, numel);
  t.fill_zero();
  return t;
}

}  // namespace zl::runtime
