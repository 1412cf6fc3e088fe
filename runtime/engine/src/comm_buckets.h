// Communication buckets of stages 1-3 (docs/engine.md "Buckets"): how per-layer shards are packed into
// collectives of at most a bucket size of elements (reduce_bucket_size for gradient reduce-scatters,
// allgather_bucket_size for the parameter all-gathers of stages 1-2), and where each piece sits in a
// bucket's buffer. Internal to the engine.
//
// The packing rule is written once in zl/config/zero_layout.h (the memory estimate replays it to size
// the bucket buffers); the engine uses it through the names below.
//
// Layout (rank-major): a bucket of `per_rank` elements per rank is a buffer of per_rank * world_size
// elements; rank r's block [r * per_rank, (r + 1) * per_rank) is the concatenation, in segment order, of
// rank r's pieces of the segments. So one reduce_scatter (or in-place all_gather) of per_rank elements
// moves every segment, and rank r's piece of a segment is, in the layer's padded buffer,
// [r * shard + offset, r * shard + offset + count).
#pragma once

#include <cstdint>

#include "zl/config/zero_layout.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

using config::Bucket;
using config::BucketPacker;
using config::BucketSegment;
using config::plan_buckets;

// Rank `rank`'s piece of `segment` in a bucket buffer of `per_rank` elements per rank, and in the padded
// buffer of its layer (`shard` elements per rank).
[[nodiscard]] runtime::Tensor bucket_piece(const runtime::Tensor& buffer, std::int64_t per_rank, int rank,
                                           const BucketSegment& segment);
[[nodiscard]] runtime::Tensor layer_piece(const runtime::Tensor& padded, std::int64_t shard, int rank,
                                          const BucketSegment& segment);

}  // namespace zl::engine
