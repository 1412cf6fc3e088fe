// Resident parameter storage (zl/runtime/parameter_storage.h).
#include "zl/runtime/parameter_storage.h"

namespace zl::runtime {

LocalParameterStorage::LocalParameterStorage(const std::vector<std::int64_t>& layer_sizes, Allocator& allocator) {
  for (const std::int64_t n : layer_sizes) {
    params_.push_back(Tensor::zeros({n}, DType::kF32, MemoryKind::kParams, Device::kCpu, allocator));
    grads_.push_back(Tensor::zeros({n}, DType::kF32, MemoryKind::kGrads, Device::kCpu, allocator));
  }
}

void LocalParameterStorage::zero_grads() {
  for (const Tensor& g : grads_) g.fill_zero();
}

}  // namespace zl::runtime
