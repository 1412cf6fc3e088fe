// The CPU ops table (zl/kernels/ops.h).
#include <cstring>

#include "zl/kernels/ops.h"

namespace zl::kernels::cpu {
namespace {

void copy_bytes(void* dst, const void* src, std::size_t bytes) {
  if (bytes != 0) std::memcpy(dst, src, bytes);
}
void zero_bytes(void* dst, std::size_t bytes) {
  if (bytes != 0) std::memset(dst, 0, bytes);
}

}  // namespace

const Ops& ops() {
  static const Ops table = ZL_KERNELS_OPS_OF(cpu, &copy_bytes, &zero_bytes, &copy_bytes, &copy_bytes);
  return table;
}

}  // namespace zl::kernels::cpu
