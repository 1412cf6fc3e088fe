// Workspace: scratch buffers shared by the layers of one model (backward temporaries, forward values
// that need not be saved). A slot grows to the largest size asked and is reused by every layer, so the
// scratch costs the largest layer's need, not the sum. Accounted as MemoryKind::kActivations, on the
// model's device.
// Not thread-safe: one model, one compute thread.
#pragma once

#include <cstdint>
#include <vector>

#include "zl/runtime/tensor.h"

namespace zl::runtime {

class Workspace {
 public:
  explicit Workspace(Allocator& allocator = default_allocator(), Device device = Device::kCpu)
      : allocator_(&allocator), device_(device) {}
  // A buffer of at least `numel` fp32 elements for slot `id`; contents are unspecified, and the same slot
  // returns the same memory until it has to grow.
  Tensor get(std::size_t id, std::int64_t numel);
  // Like get(), zero-filled.
  Tensor zeros(std::size_t id, std::int64_t numel);

 private:
  Allocator* allocator_;
  Device device_;
  std::vector<Tensor> slots_;
};

// A flat activation buffer that is reallocated only when a larger size (or another device) is needed;
// get() returns a view of exactly the asked size.
class ActivationBuffer {
 public:
  Tensor get(std::int64_t numel, Allocator& allocator, Device device = Device::kCpu);

 private:
  Tensor storage_;
};

}  // namespace zl::runtime
