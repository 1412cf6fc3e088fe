// The CUDA ops table (zl/kernels/ops.h): the cuda:: twins, and copies and fills on the current stream
// (zl/kernels/device_memory.h).
#include "zl/kernels/device_memory.h"
#include "zl/kernels/ops.h"

namespace zl::kernels::cuda {

const Ops& ops() {
  static const Ops table = ZL_KERNELS_OPS_OF(cuda, &copy_on_device, &device_fill_zero, &copy_to_device, &copy_to_host);
  return table;
}

}  // namespace zl::kernels::cuda
