// Transient full gradients reduce-scattered into owned accumulators (sharded_gradients.h).
#include "sharded_gradients.h"

#include "precision.h"

#include "zl/base/check.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

ShardedGradients::ShardedGradients(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                                   bool overlap, DType working, DType reduce)
    : partition_(partition), comm_(comm), allocator_(allocator), overlap_(overlap), working_(working), reduce_(reduce),
      live_(partition.layer_count()) {
  for (std::size_t i = 0; i < partition.layer_count(); ++i) {
    owned_.push_back(Tensor::zeros({partition.layer(i).shard}, working, MemoryKind::kGrads, runtime::Device::kCpu, allocator));
  }
}

Tensor ShardedGradients::full(std::size_t layer) {
  Tensor& buffer = live_.at(layer);
  if (!buffer.defined()) {
    buffer = Tensor::zeros({partition_.layer(layer).padded}, DType::kF32, MemoryKind::kBuffers, runtime::Device::kCpu, allocator_);
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
      Tensor narrow = Tensor::empty({shard.padded}, reduce_, MemoryKind::kBuffers, runtime::Device::kCpu, allocator_);
      narrow.copy_from(buffer);
      buffer = std::move(narrow);
    }
  }
  Tensor reduced = Tensor::empty({shard.shard}, reduce_, MemoryKind::kBuffers, runtime::Device::kCpu, allocator_);
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
  float* acc = owned_.at(p.layer).f32();
  const float* add = p.reduced.f32();
  const auto n = static_cast<std::size_t>(p.reduced.numel());
  for (std::size_t i = 0; i < n; ++i) acc[i] += add[i];
}

void ShardedGradients::drain() {
  while (!pending_.empty()) complete_oldest();
}

void ShardedGradients::zero_owned() {
  for (auto& t : owned_) t.fill_zero();
}

}  // namespace zl::engine
