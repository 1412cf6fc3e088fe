// Transient full gradients reduce-scattered in buckets into owned accumulators (sharded_gradients.h).
#include "sharded_gradients.h"

#include "precision.h"

#include "zl/base/check.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

namespace {

GradientBuckets::Options bucket_options(const ZeroOptions& options, std::size_t max_in_flight) {
  GradientBuckets::Options b;
  b.bucket_elements = options.zero.reduce_bucket_size;
  b.reduce = options.reduce;
  b.working = options.working;
  b.device = options.device;
  b.max_in_flight = options.zero.overlap_comm ? max_in_flight : 0;
  b.delivery = GradientBuckets::Delivery::kAccumulate;
  return b;
}

}  // namespace

ShardedGradients::ShardedGradients(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                                   const ZeroOptions& options)
    : partition_(partition),
      allocator_(allocator),
      working_(options.working),
      reduce_(options.reduce),
      device_(options.device),
      live_(partition.layer_count()),
      buckets_(partition, comm, allocator, bucket_options(options, kMaxInFlight)) {
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
  // Mixed precision: the gradient as a 16-bit backward produces it. Reduced in the working dtype, the
  // bucket's copy rounds it; reduced in fp32, it is rounded here and widened again.
  if (working_ != DType::kF32 && reduce_ == DType::kF32) round_in_place(buffer, working_);
  buckets_.add(layer, std::move(buffer), owned_.at(layer));
}

void ShardedGradients::drain() { buckets_.drain(); }

void ShardedGradients::zero_owned() {
  for (auto& t : owned_) t.fill_zero();
}

}  // namespace zl::engine
