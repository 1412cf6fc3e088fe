// Transient full gradients reduce-scattered into owned accumulators (sharded_gradients.h).
#include "sharded_gradients.h"

#include "precision.h"

#include "zl/base/check.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

ShardedGradients::ShardedGradients(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                                   const ZeroOptions& options)
    : partition_(partition),
      comm_(comm),
      allocator_(allocator),
      overlap_(options.zero.overlap_comm),
      working_(options.working),
      reduce_(options.reduce),
      device_(options.device),
      live_(partition.layer_count()) {
  for (std::size_t i = 0; i < partition.layer_count(); ++i) {
    owned_.push_back(Tensor::zeros({partition.layer(i).shard}, working_, MemoryKind::kGrads, device_, allocator));
  }
}

Tensor ShardedGradients::full(std::size_t layer) {
  Tensor& buffer = live_.at(layer);
  if (!buffer.defined()) {
    buffer = Tensor::zeros({partition_.layer(layer).padded}, DType::kF32, MemoryKind::kBuffers, device_, allocator_);
  }
  return buffer.view(0, {partition_.layer(layer).size});
}

void ShardedGradients::ready(std::size_t layer) {
  Tensor buffer = std::move(live_.at(layer));
  live_.at(layer) = Tensor();
  ZL_CHECK(buffer.defined(), "gradients of layer " << layer << " were declared ready but never accumulated");
  const auto& shard = partition_.layer(layer);
  if (working_ != DType::kF32) {
    // The gradient as a 16-bit backward produces it; sent as such, or widened again for fp32 reduction.
    if (reduce_ == DType::kF32) {
      round_in_place(buffer, working_);
    } else {
      Tensor narrow = Tensor::empty({shard.padded}, reduce_, MemoryKind::kBuffers, device_, allocator_);
      narrow.copy_from(buffer);
      buffer = std::move(narrow);
    }
  }
  Tensor reduced = Tensor::empty({shard.shard}, reduce_, MemoryKind::kBuffers, device_, allocator_);
  comm::Work work = comm_.reduce_scatter_async(buffer.raw(), reduced.raw(), static_cast<std::size_t>(shard.shard),
                                               comm_type(reduce_), comm::ReduceOp::kSum);
  pending_.push_back(Pending{layer, std::move(buffer), std::move(reduced), std::move(work)});
  if (!overlap_) {
    drain();
  } else if (pending_.size() > kMaxInFlight) {
    complete_oldest();
  }
}

void ShardedGradients::complete_oldest() {
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  p.work.wait();
  if (working_ != DType::kF32) {
    accumulate_rounded(owned_.at(p.layer), p.reduced, working_);
    return;
  }
  // acc += reduced, element by element (the residual kernel's sum, in place), on the gradients' device.
  const Tensor& acc = owned_.at(p.layer);
  acc.ops().residual_forward(acc.ptr_f32(), acc.ptr_f32(), p.reduced.ptr_f32(), static_cast<std::size_t>(acc.numel()));
}

void ShardedGradients::drain() {
  while (!pending_.empty()) complete_oldest();
}

void ShardedGradients::zero_owned() {
  for (auto& t : owned_) t.fill_zero();
}

}  // namespace zl::engine
