// The accounting allocator: every byte the runtime holds (parameters, gradients, optimizer states, fp32
// master weights, activations, fixed buffers) is allocated here, so memory metrics and the ZeRO memory
// tests read exact numbers.
//
// Accounting contract: the bytes counted for an allocation are exactly the bytes requested. CPU blocks
// are aligned to kAlignment (64) bytes; the padding that alignment adds is NOT counted anywhere (it is
// at most 63 bytes per block, and counting it would make the ZeRO formulas inexact). current() and
// peak() are per (kind, device); total_peak() is the peak of the sum over kinds on a device, which is
// not the sum of the per-kind peaks.
//
// Thread safety: allocate/release/stats may be called from any thread (one mutex).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "zl/runtime/dtype.h"

namespace zl::runtime {

enum class MemoryKind { kParams, kGrads, kOptimizer, kMaster, kActivations, kBuffers };
inline constexpr std::size_t kMemoryKindCount = 6;
inline constexpr std::size_t kDeviceCount = 2;

[[nodiscard]] const char* to_string(MemoryKind kind);

// A snapshot of the counters, in bytes.
struct MemoryStats {
  std::array<std::array<std::int64_t, kMemoryKindCount>, kDeviceCount> current{};
  std::array<std::array<std::int64_t, kMemoryKindCount>, kDeviceCount> peak{};
  std::array<std::int64_t, kDeviceCount> total_current{};
  std::array<std::int64_t, kDeviceCount> total_peak{};

  [[nodiscard]] std::int64_t current_bytes(MemoryKind kind, Device device = Device::kCpu) const;
  [[nodiscard]] std::int64_t peak_bytes(MemoryKind kind, Device device = Device::kCpu) const;
};

class Allocator;

// One allocation. Owns its memory; returns it (and its count) to the allocator on destruction. The
// allocator must outlive every block it handed out.
class Block {
 public:
  Block(Allocator* allocator, void* data, std::size_t bytes, MemoryKind kind, Device device, bool pinned = false)
      : allocator_(allocator), data_(data), bytes_(bytes), kind_(kind), device_(device), pinned_(pinned) {}
  ~Block();
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  [[nodiscard]] void* data() const { return data_; }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }
  [[nodiscard]] MemoryKind kind() const { return kind_; }
  [[nodiscard]] Device device() const { return device_; }
  [[nodiscard]] bool pinned() const { return pinned_; }  // page-locked host memory

 private:
  Allocator* allocator_;
  void* data_;
  std::size_t bytes_;
  MemoryKind kind_;
  Device device_;
  bool pinned_;
};

class Allocator {
 public:
  static constexpr std::size_t kAlignment = 64;

  Allocator() = default;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Uninitialized memory of `bytes` (0 is allowed and still yields a block). Device::kCuda calls
  // zl::device::require_cuda_device() first, so without a usable GPU it throws zl::UnavailableError.
  std::shared_ptr<Block> allocate(std::size_t bytes, MemoryKind kind, Device device = Device::kCpu);
  // Page-locked host memory (counted under Device::kCpu), for buffers the GPU copies to and from at
  // full speed (offload). Needs a CUDA build with a GPU: throws zl::UnavailableError otherwise.
  std::shared_ptr<Block> allocate_pinned(std::size_t bytes, MemoryKind kind);

  [[nodiscard]] MemoryStats stats() const;
  // Restarts the peaks at the current values (e.g. after model construction).
  void reset_peaks();

 private:
  friend class Block;
  void count(std::size_t bytes, MemoryKind kind, Device device);
  void release(const Block& block);

  mutable std::mutex mutex_;
  MemoryStats stats_;
};

// The process-wide allocator that runtime objects use unless given another.
Allocator& default_allocator();

}  // namespace zl::runtime
