// Backend: the small interface every collective library implements (runtime/comm/{gloo,mpi,nccl}/).
//
// Contract: synchronous; called from exactly one thread at a time (the Communicator's communication
// thread), in the same order on every rank. Buffers are host pointers for gloo/mpi; nccl takes device
// pointers, and host pointers through a staging copy (nccl/backend.h). reduce_scatter takes `count * size()` elements
// in and writes `count` out (rank r gets block r); all_gather takes `count` in and writes `count * size()` out. Both
// may run in place: reduce_scatter with out == in + rank*count, all_gather with in == out + rank*count. kAvg divides
// the sum by size(). An operation a backend cannot do throws zl::UnavailableError naming it.
#pragma once

#include <cstddef>
#include <memory>

#include "zl/comm/types.h"

namespace zl::comm {

class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int size() const = 0;
  [[nodiscard]] virtual const char* name() const = 0;

  virtual void all_reduce(void* data, std::size_t count, DataType type, ReduceOp op) = 0;
  virtual void reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) = 0;
  virtual void all_gather(const void* in, void* out, std::size_t count, DataType type) = 0;
  virtual void broadcast(void* data, std::size_t count, DataType type, int root) = 0;
  virtual void barrier() = 0;

  // Ordering with the caller's device work (NCCL): submission_fence() runs on the thread that submits a
  // collective, when it submits it, and captures what the collective must wait for (an event on that
  // thread's current CUDA stream); wait_for(fence) runs on the communication thread just before the
  // collective. Host backends need neither: their caller's data is complete when it submits.
  [[nodiscard]] virtual std::shared_ptr<void> submission_fence() { return nullptr; }
  virtual void wait_for(const std::shared_ptr<void>& /*fence*/) {}
  // The seconds the last collective (the one after the last wait_for) ran on the device, measured there
  // (NCCL: CUDA events on the communication stream, from the fence to the end of the collective), or a
  // negative value when the backend has no device clock (the Communicator's wall time is then the time).
  [[nodiscard]] virtual double last_device_seconds() const { return -1.0; }
};

}  // namespace zl::comm
