// ShardedGradients (stages 2 and 3): each layer's full gradient exists only while its backward
// accumulates into it; grads_ready reduce-scatters it into this rank's owned accumulator and the full
// buffer (MemoryKind::kBuffers) is released. With overlap_comm the reduce-scatter runs on the
// communication thread while backward continues (at most kMaxInFlight layers pending); without, it
// completes before backward goes on. Under mixed precision the owned accumulators are of the working
// dtype and each full gradient is rounded to it before the reduce-scatter (which runs in the `reduce`
// dtype: the working one, or fp32 per communication_data_type). Internal to the engine.
#pragma once

#include <deque>
#include <vector>

#include "zl/comm/communicator.h"
#include "zl/engine/partition.h"
#include "zl/engine/zero_storage.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

class ShardedGradients {
 public:
  // options: overlap_comm, the working and reduce dtypes, and the device.
  ShardedGradients(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                   const ZeroOptions& options);

  runtime::Tensor full(std::size_t layer);  // created zeroed on first use in a micro-step
  void ready(std::size_t layer);
  void drain();  // completes everything pending
  [[nodiscard]] const runtime::Tensor& owned(std::size_t layer) const { return owned_.at(layer); }
  void zero_owned();

 private:
  static constexpr std::size_t kMaxInFlight = 2;
  struct Pending {
    std::size_t layer;
    runtime::Tensor full;
    runtime::Tensor reduced;
    comm::Work work;
  };
  void complete_oldest();

  const Partition& partition_;
  comm::Communicator& comm_;
  runtime::Allocator& allocator_;
  bool overlap_;
  runtime::DType working_;
  runtime::DType reduce_;
  runtime::Device device_;
  std::vector<runtime::Tensor> owned_;  // MemoryKind::kGrads, shard elements per layer, working dtype
  std::vector<runtime::Tensor> live_;   // full buffers of this micro-step (empty Tensor when absent)
  std::deque<Pending> pending_;
};

}  // namespace zl::engine
