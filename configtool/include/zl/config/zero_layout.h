// The sizing rules of the ZeRO engine's layout (DESIGN.md §4, docs/engine.md "Buckets"), written once and
// shared by the engine (runtime/engine: Partition, the stages' communication buckets) and by the memory
// estimate (memory_estimate.h), which replays them to size the buffers the engine allocates. Pure
// functions of sizes; they live here, below both, because configtool must not link the engine.
//
// Padding: each layer's flat buffer of n elements is padded to a multiple of the world size and split
// evenly, so a rank's shard of it is padded_layer_size(n, N) / N elements.
//
// Packing (stages 1-3): a bucket holds at most capacity = max(1, bucket_elements / world_size) elements
// of every rank's shard (so at most bucket_elements in all, as DeepSpeed counts them, except that a
// bucket always holds at least one element per rank). Layers are added in the order given; a layer that
// fits in the open bucket joins it; one that does not closes the open bucket first; a layer larger than
// the capacity fills as many buckets as it needs, and its tail stays open for the next layers. A bucket
// that is exactly full closes at once. Where each piece sits in a bucket's buffer (the rank-major
// layout) is the engine's business (runtime/engine/src/comm_buckets.h).
//
// Stage-0 all-reduce buckets: whole layers in backward order (last layer first); a bucket takes layers
// until it holds at least bucket_elements, so a layer is never split and a bucket may exceed the size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace zl::config {

// n rounded up to a multiple of the world size (a world size below 1 counts as 1).
[[nodiscard]] std::int64_t padded_layer_size(std::int64_t n, int world_size);

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

// Layers first..last (first <= last) reduced by one stage-0 all-reduce.
struct LayerRange {
  std::size_t first = 0;
  std::size_t last = 0;
};

// The stage-0 buckets of layers of `sizes` elements (unpadded), in the order they are launched (the one
// holding the last layer first).
[[nodiscard]] std::vector<LayerRange> plan_all_reduce_buckets(const std::vector<std::int64_t>& sizes,
                                                              std::int64_t bucket_elements);

}  // namespace zl::config
