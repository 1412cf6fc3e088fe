// The calling thread's device and compute stream (zl/runtime/compute_device.h).
#include "zl/runtime/compute_device.h"

#include "zl/device/accelerator_info.h"
#if defined(ZL_RUNTIME_HAVE_CUDA)
#include "zl/kernels/cuda_stream.h"
#endif

namespace zl::runtime {

ComputeDevice::ComputeDevice(Device device, int index) : device_(device) {
  if (device == Device::kCpu) return;
  device::use_cuda_device(index);  // without CUDA or a GPU: UnavailableError
#if defined(ZL_RUNTIME_HAVE_CUDA)
  previous_stream_ = kernels::cuda::current_stream();
  stream_ = kernels::cuda::create_stream();
  kernels::cuda::set_current_stream(stream_);
#endif
}

ComputeDevice::~ComputeDevice() {
#if defined(ZL_RUNTIME_HAVE_CUDA)
  if (stream_ == nullptr) return;
  kernels::cuda::set_current_stream(previous_stream_);
  kernels::cuda::destroy_stream(stream_);
#endif
}

}  // namespace zl::runtime
