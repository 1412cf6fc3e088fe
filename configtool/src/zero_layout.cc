// Padding and bucket packing of the ZeRO layout (zero_layout.h).
#include "zl/config/zero_layout.h"

#include <algorithm>

namespace zl::config {

std::int64_t padded_layer_size(std::int64_t n, int world_size) {
  const std::int64_t w = std::max(1, world_size);
  return (n + w - 1) / w * w;
}

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

std::vector<LayerRange> plan_all_reduce_buckets(const std::vector<std::int64_t>& sizes, std::int64_t bucket_elements) {
  std::vector<LayerRange> buckets;
  std::int64_t held = 0;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    if (buckets.empty() || held >= bucket_elements) {
      buckets.push_back(LayerRange{i, i});
      held = 0;
    }
    buckets.back().first = i;
    held += sizes[i];
  }
  return buckets;
}

}  // namespace zl::config
