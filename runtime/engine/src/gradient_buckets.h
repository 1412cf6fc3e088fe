// GradientBuckets (stages 1-3): reduce-scatters per-layer gradients in buckets of at most
// reduce_bucket_size elements (comm_buckets.h: the packing rule and the rank-major layout). Layers join
// the open bucket in the order they are added (the order their gradients become ready); a bucket is
// launched as soon as it is closed (full, or the next layer does not fit) and the open one by drain().
// Launching allocates the bucket's buffer (MemoryKind::kBuffers, the reduce dtype, on the device) from
// the engine's Allocator, copies every rank's pieces of its segments into it (converting to the reduce
// dtype) and reduce-scatters it in place on the communication thread; completing it delivers this
// rank's block into each layer's owned shard and frees the buffer. At most max_in_flight buckets are
// outstanding (0: each completes before add returns). Single-threaded (the training thread).
// Internal to the engine.
#pragma once

#include <deque>
#include <vector>

#include "comm_buckets.h"
#include "zl/comm/communicator.h"
#include "zl/engine/partition.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

class GradientBuckets {
 public:
  // kAccumulate: owned += reduced (stages 2-3, every micro-step; under mixed precision
  // round(owned + reduced) in the working dtype). kReplace: owned = reduced (stage 1, at the boundary),
  // converted to the owned tensor's dtype.
  enum class Delivery { kAccumulate, kReplace };
  struct Options {
    std::int64_t bucket_elements = 0;  // reduce_bucket_size
    runtime::DType reduce = runtime::DType::kF32;
    runtime::DType working = runtime::DType::kF32;
    runtime::Device device = runtime::Device::kCpu;
    std::size_t max_in_flight = 0;
    Delivery delivery = Delivery::kAccumulate;
  };

  GradientBuckets(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                  const Options& options);

  // Layer `layer`'s padded gradient `full` (any dtype) is read when its buckets are launched and dropped
  // after the last of them; this rank's part of the sum goes into `owned` (its shard, working dtype, kept
  // alive by the caller) when each bucket completes.
  void add(std::size_t layer, runtime::Tensor full, runtime::Tensor owned);
  void drain();  // launches the open bucket, then completes every outstanding one

 private:
  struct InFlight {
    Bucket bucket;
    runtime::Tensor buffer;
    std::vector<runtime::Tensor> targets;  // per segment: its piece of the owned shard
    comm::Work work;
  };
  void launch(Bucket bucket);
  void complete_oldest();

  const Partition& partition_;
  comm::Communicator& comm_;
  runtime::Allocator& allocator_;
  Options options_;
  BucketPacker packer_;
  std::vector<runtime::Tensor> sources_;  // per layer: its full gradient until every piece is launched
  std::vector<runtime::Tensor> targets_;  // per layer: its owned shard
  std::vector<std::int64_t> unsent_;      // per layer: shard elements not yet in a launched bucket
  std::deque<InFlight> in_flight_;
};

}  // namespace zl::engine
