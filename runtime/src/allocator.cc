// The accounting allocator: aligned host memory, device memory through kernels/cuda, exact counters.
#include "zl/runtime/allocator.h"

#include <cstdlib>
#include <new>

#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"
#if defined(ZL_RUNTIME_HAVE_CUDA)
#include "zl/kernels/device_memory.h"
#endif

namespace zl::runtime {
namespace {

std::size_t index_of(MemoryKind kind) { return static_cast<std::size_t>(kind); }
std::size_t index_of(Device device) { return static_cast<std::size_t>(device); }

}  // namespace

const char* to_string(MemoryKind kind) {
  switch (kind) {
    case MemoryKind::kParams:
      return "params";
    case MemoryKind::kGrads:
      return "grads";
    case MemoryKind::kOptimizer:
      return "optimizer";
    case MemoryKind::kMaster:
      return "master";
    case MemoryKind::kActivations:
      return "activations";
    case MemoryKind::kBuffers:
      return "buffers";
  }
  return "?";
}

std::int64_t MemoryStats::current_bytes(MemoryKind kind, Device device) const {
  return current[index_of(device)][index_of(kind)];
}

std::int64_t MemoryStats::peak_bytes(MemoryKind kind, Device device) const {
  return peak[index_of(device)][index_of(kind)];
}

Block::~Block() { allocator_->release(*this); }

std::shared_ptr<Block> Allocator::allocate(std::size_t bytes, MemoryKind kind, Device device) {
  void* data = nullptr;
  if (device == Device::kCpu) {
    const std::size_t padded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    data = std::aligned_alloc(kAlignment, padded == 0 ? kAlignment : padded);
    if (data == nullptr) throw std::bad_alloc();
  } else {
    device::require_cuda_device();
#if defined(ZL_RUNTIME_HAVE_CUDA)
    data = kernels::cuda::device_allocate(bytes);
#else
    throw UnavailableError("device: cuda: this build of zlaunch has no CUDA support (configure with ZL_CUDA=ON)");
#endif
  }
  count(bytes, kind, device);
  return std::make_shared<Block>(this, data, bytes, kind, device);
}

// Without CUDA the parameters are unused: require_cuda_device() throws first.
std::shared_ptr<Block> Allocator::allocate_pinned([[maybe_unused]] std::size_t bytes,
                                                  [[maybe_unused]] MemoryKind kind) {
  device::require_cuda_device();
#if defined(ZL_RUNTIME_HAVE_CUDA)
  void* data = kernels::cuda::pinned_allocate(bytes);
  count(bytes, kind, Device::kCpu);
  return std::make_shared<Block>(this, data, bytes, kind, Device::kCpu, true);
#else
  throw UnavailableError("pinned host memory needs CUDA: this build of zlaunch has none (configure with ZL_CUDA=ON)");
#endif
}

void Allocator::count(std::size_t bytes, MemoryKind kind, Device device) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto d = index_of(device);
  const auto k = index_of(kind);
  const auto n = static_cast<std::int64_t>(bytes);
  stats_.current[d][k] += n;
  if (stats_.current[d][k] > stats_.peak[d][k]) stats_.peak[d][k] = stats_.current[d][k];
  stats_.total_current[d] += n;
  if (stats_.total_current[d] > stats_.total_peak[d]) stats_.total_peak[d] = stats_.total_current[d];
}

void Allocator::release(const Block& block) {
#if defined(ZL_RUNTIME_HAVE_CUDA)
  if (block.pinned()) {
    kernels::cuda::pinned_free(block.data());
  } else if (block.device() == Device::kCuda) {
    kernels::cuda::device_free(block.data());
  } else {
    std::free(block.data());
  }
#else
  std::free(block.data());
#endif
  const std::lock_guard<std::mutex> lock(mutex_);
  stats_.current[index_of(block.device())][index_of(block.kind())] -= static_cast<std::int64_t>(block.bytes());
  stats_.total_current[index_of(block.device())] -= static_cast<std::int64_t>(block.bytes());
}

MemoryStats Allocator::stats() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void Allocator::reset_peaks() {
  const std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak = stats_.current;
  stats_.total_peak = stats_.total_current;
}

Allocator& default_allocator() {
  static Allocator allocator;
  return allocator;
}

}  // namespace zl::runtime
