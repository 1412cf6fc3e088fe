// ShardedGradients (stages 2 and 3): each layer's full gradient exists only while its backward
// accumulates into it and until it is packed into a reduce-scatter bucket (gradient_buckets.h): at
// grads_ready the layer joins the open bucket of at most reduce_bucket_size elements (small layers share
// one bucket, a layer larger than a bucket is split over several), a full bucket is reduce-scattered at
// once, the last one at drain(), and each bucket's reduced block is added into the owned accumulators
// of its layers; a layer's full buffer (MemoryKind::kBuffers) is released once all of it is in launched
// buckets. With overlap_comm the reduce-scatters run on the communication thread while backward
// continues (at most kMaxInFlight buckets outstanding); without, each completes before backward goes on.
// Under mixed precision the owned accumulators are of the working dtype and each full gradient is
// rounded to it before the reduce-scatter (which runs in the `reduce` dtype: the working one, or fp32 per
// communication_data_type). Internal to the engine.
#pragma once

#include <vector>

#include "gradient_buckets.h"
#include "zl/comm/communicator.h"
#include "zl/engine/partition.h"
#include "zl/engine/zero_storage.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

class ShardedGradients {
 public:
  // options: overlap_comm, reduce_bucket_size, the working and reduce dtypes, and the device.
  ShardedGradients(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                   const ZeroOptions& options);

  runtime::Tensor full(std::size_t layer);  // created zeroed on first use in a micro-step
  void ready(std::size_t layer);
  void drain();  // reduces the open bucket and completes everything pending
  [[nodiscard]] const runtime::Tensor& owned(std::size_t layer) const { return owned_.at(layer); }
  void zero_owned();

 private:
  static constexpr std::size_t kMaxInFlight = 2;

  const Partition& partition_;
  runtime::Allocator& allocator_;
  runtime::DType working_;
  runtime::DType reduce_;
  runtime::Device device_;
  std::vector<runtime::Tensor> owned_;  // MemoryKind::kGrads, shard elements per layer, working dtype
  std::vector<runtime::Tensor> live_;   // full buffers of this micro-step (empty Tensor when absent)
  GradientBuckets buckets_;
};

}  // namespace zl::engine
