// Mixed-precision helpers of the ZeRO stages (docs/engine.md "Mixed precision"): the model's kernels are
// fp32, so a stage holding 16-bit working parameters hands each layer an fp32 widening of them
// (WideViews), collects each layer's gradient in an fp32 staging buffer and rounds it to the working
// type before it is accumulated or communicated (accumulate_rounded). The fp32 master weights of the
// owned shard are what the optimizer updates; narrowing them (round to nearest even, kernels/cast)
// gives the next working copy. Internal to the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "zl/comm/types.h"
#include "zl/engine/zero_storage.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

[[nodiscard]] comm::DataType comm_type(runtime::DType dtype);

// acc = round(acc + round(add)) element-wise, on the tensors' device (kernels/mixed_round): `acc` is of
// the 16-bit `working` dtype, `add` (same element count) fp32 or `working`; the addend is first rounded
// to `working` (the gradient as a 16-bit backward would have produced it), the sum is computed in fp32
// and rounded to `working`.
void accumulate_rounded(const runtime::Tensor& acc, const runtime::Tensor& add, runtime::DType working);

// x = widen(round(x)) in place: fp32 values rounded to what `dtype` can hold (no-op for fp32).
void round_in_place(const runtime::Tensor& x, runtime::DType dtype);

// Zero fp32 master weights of `elements` (MemoryKind::kMaster): on options.device, or in host memory
// with options.offload_master (page-locked with offload_optimizer.pin_memory).
[[nodiscard]] runtime::Tensor master_weights(std::int64_t elements, const ZeroOptions& options,
                                             runtime::Allocator& allocator);

// A new fp32 tensor (kind `kind`) holding `source` widened.
[[nodiscard]] runtime::Tensor widened(const runtime::Tensor& source, runtime::MemoryKind kind,
                                      runtime::Allocator& allocator);

// fp32 copies of 16-bit layers for the fp32 kernels, one per acquired layer (MemoryKind::kBuffers),
// reference-counted: the copy is made on the first acquire and dropped on the last release.
class WideViews {
 public:
  WideViews(std::size_t layers, runtime::Allocator& allocator)
      : allocator_(allocator), views_(layers), refs_(layers, 0) {}
  runtime::Tensor acquire(std::size_t layer, const runtime::Tensor& narrow);
  void release(std::size_t layer);

 private:
  runtime::Allocator& allocator_;
  std::vector<runtime::Tensor> views_;
  std::vector<int> refs_;
};

}  // namespace zl::engine
