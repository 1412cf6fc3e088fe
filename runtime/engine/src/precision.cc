// Mixed-precision helpers (precision.h).
#include "precision.h"

#include "zl/base/check.h"

namespace zl::engine {

using runtime::DType;
using runtime::Tensor;

comm::DataType comm_type(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return comm::DataType::kFp32;
    case DType::kBF16:
      return comm::DataType::kBf16;
    case DType::kF16:
      return comm::DataType::kFp16;
  }
  return comm::DataType::kFp32;
}

void accumulate_rounded(const Tensor& acc, const Tensor& add, DType working) {
  ZL_CHECK(acc.numel() == add.numel(), "accumulate: " << acc.numel() << " vs " << add.numel() << " elements");
  ZL_CHECK(acc.dtype() == working && working != DType::kF32,
           "accumulate: a " << runtime::to_string(acc.dtype()) << " accumulator for " << runtime::to_string(working)
                            << " training");
  ZL_CHECK(add.dtype() == DType::kF32 || add.dtype() == working,
           "accumulate: a " << runtime::to_string(add.dtype()) << " addend for " << runtime::to_string(working)
                            << " training");
  const auto n = static_cast<std::size_t>(acc.numel());
  const kernels::Ops& k = acc.ops();
  const bool bf16 = working == DType::kBF16;
  if (add.dtype() == DType::kF32) {
    (bf16 ? k.accumulate_bf16 : k.accumulate_fp16)(acc.ptr_bits16(), add.ptr_f32(), n);
  } else {
    (bf16 ? k.accumulate_bf16_bf16 : k.accumulate_fp16_fp16)(acc.ptr_bits16(), add.ptr_bits16(), n);
  }
}

void round_in_place(const Tensor& x, DType dtype) {
  if (dtype == DType::kF32) return;
  const kernels::Ops& k = x.ops();
  (dtype == DType::kBF16 ? k.round_through_bf16 : k.round_through_fp16)(x.ptr_f32(),
                                                                        static_cast<std::size_t>(x.numel()));
}

Tensor master_weights(std::int64_t elements, const ZeroOptions& options, runtime::Allocator& allocator) {
  if (options.offload_master)
    return Tensor::host_zeros({elements}, DType::kF32, runtime::MemoryKind::kMaster,
                              options.zero.offload_optimizer.pin_memory, allocator);
  return Tensor::zeros({elements}, DType::kF32, runtime::MemoryKind::kMaster, options.device, allocator);
}

Tensor widened(const Tensor& source, runtime::MemoryKind kind, runtime::Allocator& allocator) {
  Tensor out = Tensor::empty(source.shape(), DType::kF32, kind, source.device(), allocator);
  out.copy_from(source);
  return out;
}

Tensor WideViews::acquire(std::size_t layer, const Tensor& narrow) {
  if (refs_.at(layer)++ == 0) views_[layer] = widened(narrow, runtime::MemoryKind::kBuffers, allocator_);
  return views_[layer];
}

void WideViews::release(std::size_t layer) {
  ZL_CHECK(refs_.at(layer) > 0, "layer " << layer << " released more often than acquired");
  if (--refs_[layer] == 0) views_[layer] = Tensor();
}

}  // namespace zl::engine
