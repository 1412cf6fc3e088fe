// Where a bucket segment sits in a bucket buffer and in its layer (comm_buckets.h).
#include "comm_buckets.h"

#include "zl/base/check.h"

namespace zl::engine {

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
