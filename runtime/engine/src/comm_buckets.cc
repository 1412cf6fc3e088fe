// Packing per-layer shards into communication buckets (comm_buckets.h).
#include "comm_buckets.h"

#include <algorithm>

#include "zl/base/check.h"

namespace zl::engine {

BucketPacker::BucketPacker(std::int64_t bucket_elements, int world_size)
    : capacity_(std::max<std::int64_t>(1, bucket_elements / std::max(1, world_size))) {}

std::vector<Bucket> BucketPacker::add(std::size_t layer, std::int64_t shard) {
  std::vector<Bucket> closed;
  if (open_.per_rank > 0 && open_.per_rank + shard > capacity_) closed.push_back(close());
  for (std::int64_t offset = 0; offset < shard;) {
    const std::int64_t count = std::min(capacity_ - open_.per_rank, shard - offset);
    open_.segments.push_back(BucketSegment{layer, offset, count, open_.per_rank});
    open_.per_rank += count;
    offset += count;
    if (open_.per_rank == capacity_) closed.push_back(close());
  }
  return closed;
}

Bucket BucketPacker::close() {
  Bucket out = std::move(open_);
  open_ = Bucket{};
  return out;
}

std::vector<Bucket> plan_buckets(const std::vector<std::int64_t>& shards, const std::vector<std::size_t>& layers,
                                 std::int64_t bucket_elements, int world_size) {
  BucketPacker packer(bucket_elements, world_size);
  std::vector<Bucket> plan;
  for (const std::size_t layer : layers) {
    for (Bucket& b : packer.add(layer, shards.at(layer))) plan.push_back(std::move(b));
  }
  Bucket last = packer.close();
  if (last.per_rank > 0) plan.push_back(std::move(last));
  return plan;
}

runtime::Tensor bucket_piece(const runtime::Tensor& buffer, std::int64_t per_rank, int rank,
                             const BucketSegment& segment) {
  ZL_CHECK(segment.position + segment.count <= per_rank,
           "bucket segment at " << segment.position << " + " << segment.count << " of " << per_rank);
  return buffer.view(static_cast<std::int64_t>(rank) * per_rank + segment.position, {segment.count});
}

runtime::Tensor layer_piece(const runtime::Tensor& padded, std::int64_t shard, int rank, const BucketSegment& segment) {
  ZL_CHECK(segment.offset + segment.count <= shard,
           "layer segment at " << segment.offset << " + " << segment.count << " of a " << shard << "-element shard");
  return padded.view(static_cast<std::int64_t>(rank) * shard + segment.offset, {segment.count});
}

}  // namespace zl::engine
