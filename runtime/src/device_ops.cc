// ops_for (zl/runtime/device_ops.h).
#include "zl/runtime/device_ops.h"

#include "zl/base/error.h"

namespace zl::runtime {

const kernels::Ops& ops_for(Device device) {
  if (device == Device::kCpu) return kernels::cpu::ops();
#if defined(ZL_RUNTIME_HAVE_CUDA)
  return kernels::cuda::ops();
#else
  throw UnavailableError("device: cuda: this build of zlaunch has no CUDA support (configure with ZL_CUDA=ON)");
#endif
}

}  // namespace zl::runtime
