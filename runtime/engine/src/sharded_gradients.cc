// Transient full gradients reduce-scattered into owned accumulators (sharded_gradients.h).
#include "sharded_gradients.h"

#include "zl/base/check.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

ShardedGradients::ShardedGradients(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                                   bool overlap)
    : partition_(partition), comm_(comm), allocator_(allocator), overlap_(overlap), live_(partition.layer_count()) {
  for (std::size_t i = 0; i < partition.layer_count(); ++i) {
    owned_.push_back(Tensor::zeros({partition.layer(i).shard}, DType::kF32, MemoryKind::kGrads, runtime::Device::kCpu, allocator));
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
  Tensor reduced = Tensor::empty({shard.shard}, DType::kF32, MemoryKind::kBuffers, runtime::Device::kCpu, allocator_);
  comm::Work work = comm_.reduce_scatter_async(buffer.f32(), reduced.f32(), static_cast<std::size_t>(shard.shard),
                                               comm::DataType::kFp32, comm::ReduceOp::kSum);
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
