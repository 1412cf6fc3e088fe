// nonfinite: NaN/inf detection over a flat buffer (zl/kernels/nonfinite.h). Tests the exponent bits, so it
// is immune to -ffast-math and vectorizes; no early exit (the common case scans everything anyway).
#include "zl/kernels/nonfinite.h"

#include <cstdint>
#include <cstring>

namespace zl::kernels::cpu {

bool has_nonfinite(const float* x, std::size_t n) {
  std::uint32_t found = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t u;
    std::memcpy(&u, x + i, sizeof(u));
    found |= static_cast<std::uint32_t>((u & 0x7f800000u) == 0x7f800000u);
  }
  return found != 0;
}

}  // namespace zl::kernels::cpu
