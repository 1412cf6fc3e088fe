// The GPU count both build flavours report through query_accelerators() (accelerator_info.h).
#include "zl/device/accelerator_info.h"

namespace zl::device {

int visible_gpu_count() { return static_cast<int>(query_accelerators().gpus.size()); }

}  // namespace zl::device
