// Communication buckets of stages 1-3 (docs/engine.md "Buckets"): how per-layer shards are packed into
// collectives of at most a bucket size of elements (reduce_bucket_size for gradient reduce-scatters,
// allgather_bucket_size for the parameter all-gathers of stages 1-2), and where each piece sits in a
// bucket's buffer. Internal to the engine.
//
// The rule (one place): a bucket holds at most capacity = max(1, bucket_elements / world_size) elements
// of every rank's shard (so at most bucket_elements in all, as DeepSpeed counts them, except that a
// bucket always holds at least one element per rank). Layers are added in the order given; a layer that
// fits in the open bucket joins it; one that does not closes the open bucket first; a layer larger than
// the capacity fills as many buckets as it needs, and its tail stays open for the next layers. A bucket
// that is exactly full closes at once.
//
// Layout (rank-major): a bucket of `per_rank` elements per rank is a buffer of per_rank * world_size
// elements; rank r's block [r * per_rank, (r + 1) * per_rank) is the concatenation, in segment order, of
// rank r's pieces of the segments. So one reduce_scatter (or in-place all_gather) of per_rank elements
// moves every segment, and rank r's piece of a segment is, in the layer's padded buffer,
// [r * shard + offset, r * shard + offset + count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "zl/runtime/tensor.h"

namespace zl::engine {

// Elements [offset, offset + count) of every rank's shard of `layer`, at `position` in each rank block.
struct BucketSegment {
  std::size_t layer = 0;
  std::int64_t offset = 0;
  std::int64_t count = 0;
  std::int64_t position = 0;
};

struct Bucket {
  std::vector<BucketSegment> segments;
  std::int64_t per_rank = 0;  // the collective's per-rank count: the sum of the segments' counts
};

class BucketPacker {
 public:
  BucketPacker(std::int64_t bucket_elements, int world_size);

  [[nodiscard]] std::int64_t capacity() const { return capacity_; }
  // Adds the `shard` elements per rank of `layer`; returns the buckets this closed, in order.
  std::vector<Bucket> add(std::size_t layer, std::int64_t shard);
  // Closes the open bucket and returns it (per_rank 0 when nothing was open).
  Bucket close();

 private:
  std::int64_t capacity_;
  Bucket open_;
};

// The whole sequence of buckets for `layers` (indices into `shards`, the per-rank shard sizes), in order.
[[nodiscard]] std::vector<Bucket> plan_buckets(const std::vector<std::int64_t>& shards,
                                               const std::vector<std::size_t>& layers, std::int64_t bucket_elements,
                                               int world_size);

// Rank `rank`'s piece of `segment` in a bucket buffer of `per_rank` elements per rank, and in the padded
// buffer of its layer (`shard` elements per rank).
[[nodiscard]] runtime::Tensor bucket_piece(const runtime::Tensor& buffer, std::int64_t per_rank, int rank,
                                           const BucketSegment& segment);
[[nodiscard]] runtime::Tensor layer_piece(const runtime::Tensor& padded, std::int64_t shard, int rank,
                                          const BucketSegment& segment);

}  // namespace zl::engine
