// Bucketed gradient reduce-scatter (gradient_buckets.h).
#include "gradient_buckets.h"

#include "precision.h"
#include "zl/base/check.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

GradientBuckets::GradientBuckets(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                                 const Options& options)
    : partition_(partition),
      comm_(comm),
      allocator_(allocator),
      options_(options),
      packer_(options.bucket_elements, comm.size()),
      sources_(partition.layer_count()),
      targets_(partition.layer_count()),
      unsent_(partition.layer_count(), 0) {}

void GradientBuckets::add(std::size_t layer, Tensor full, Tensor owned) {
  const auto& shard = partition_.layer(layer);
  ZL_CHECK(full.numel() == shard.padded && owned.numel() == shard.shard,
           "layer " << layer << ": a gradient of " << full.numel() << " elements and a shard of " << owned.numel()
                    << " for a partition of " << shard.padded << " and " << shard.shard);
  ZL_CHECK(unsent_.at(layer) == 0, "gradients of layer " << layer << " added twice before they were sent");
  sources_[layer] = std::move(full);
  targets_[layer] = std::move(owned);
  unsent_[layer] = shard.shard;
  for (Bucket& bucket : packer_.add(layer, shard.shard)) launch(std::move(bucket));
}

void GradientBuckets::drain() {
  Bucket last = packer_.close();
  if (last.per_rank > 0) launch(std::move(last));
  while (!in_flight_.empty()) complete_oldest();
}

void GradientBuckets::launch(Bucket bucket) {
  while (!in_flight_.empty() && in_flight_.size() >= options_.max_in_flight) complete_oldest();
  const int world = comm_.size();
  InFlight f;
  f.buffer =
      Tensor::empty({bucket.per_rank * world}, options_.reduce, MemoryKind::kBuffers, options_.device, allocator_);
  for (const BucketSegment& s : bucket.segments) {
    const std::int64_t shard = partition_.layer(s.layer).shard;
    for (int r = 0; r < world; ++r) {
      bucket_piece(f.buffer, bucket.per_rank, r, s).copy_from(layer_piece(sources_[s.layer], shard, r, s));
    }
    f.targets.push_back(targets_[s.layer].view(s.offset, {s.count}));
    if ((unsent_[s.layer] -= s.count) == 0) sources_[s.layer] = Tensor();
  }
  const Tensor mine = f.buffer.view(static_cast<std::int64_t>(comm_.rank()) * bucket.per_rank, {bucket.per_rank});
  f.work = comm_.reduce_scatter_async(f.buffer.raw(), mine.raw(), static_cast<std::size_t>(bucket.per_rank),
                                      comm_type(options_.reduce), comm::ReduceOp::kSum);
  f.bucket = std::move(bucket);
  in_flight_.push_back(std::move(f));
  if (options_.max_in_flight == 0) complete_oldest();
}

void GradientBuckets::complete_oldest() {
  InFlight f = std::move(in_flight_.front());
  in_flight_.pop_front();
  f.work.wait();
  for (std::size_t k = 0; k < f.bucket.segments.size(); ++k) {
    const Tensor reduced = bucket_piece(f.buffer, f.bucket.per_rank, comm_.rank(), f.bucket.segments[k]);
    const Tensor& target = f.targets[k];
    if (options_.delivery == Delivery::kReplace) {
      target.copy_from(reduced);
    } else if (options_.working != DType::kF32) {
      accumulate_rounded(target, reduced, options_.working);
    } else {
      // target += reduced, element by element (the residual kernel's sum, in place), on the device.
      target.ops().residual_forward(target.ptr_f32(), target.ptr_f32(), reduced.ptr_f32(),
                                    static_cast<std::size_t>(target.numel()));
    }
  }
}

}  // namespace zl::engine
