// Backend: the small interface every collective library implements (runtime/comm/{gloo,mpi,nccl}/).
//
// Contract: synchronous; called from exactly one thread at a time (the Communicator's communication
// thread), in the same order on every rank. Buffers are host pointers for gloo/mpi and device
// pointers for nccl. reduce_scatter takes `count * size()` elements in and writes `count` out (rank r
// gets block r); all_gather takes `count` in and writes `count * size()` out. Both may run in place:
// reduce_scatter with out == in + rank*count, all_gather with in == out + rank*count. kAvg divides the
// sum by size(). An operation a backend cannot do throws zl::UnavailableError naming it.
#pragma once

#include <cstddef>

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
};

}  // namespace zl::comm
