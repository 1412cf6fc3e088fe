// ComputeDevice: the device the calling thread computes on, for the lifetime of the object.
//
// Device::kCuda: makes GPU `index` (among the visible ones) the thread's current device and gives the
// thread a compute stream of its own (non-blocking: it never waits for the legacy default stream), on
// which every kernel and copy of zl/kernels is queued; communication runs on the NCCL backend's stream
// and waits for this one through events (zl/comm/communicator.h). On destruction the stream's work is
// completed and the previous stream restored. Device::kCpu: nothing to do.
// Throws zl::UnavailableError (exit 2) when device: cuda cannot be used here (no CUDA build, no GPU, no
// GPU `index`).
#pragma once

#include "zl/runtime/dtype.h"

namespace zl::runtime {

class ComputeDevice {
 public:
  ComputeDevice(Device device, int index);
  ~ComputeDevice();
  ComputeDevice(const ComputeDevice&) = delete;
  ComputeDevice& operator=(const ComputeDevice&) = delete;

  [[nodiscard]] Device device() const { return device_; }

 private:
  Device device_;
  // Used by the CUDA build only (a build without CUDA never makes a stream).
  [[maybe_unused]] void* previous_stream_ = nullptr;
  [[maybe_unused]] void* stream_ = nullptr;
};

}  // namespace zl::runtime
