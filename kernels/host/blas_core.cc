// blas_core: OpenBLAS's kernel choice and the advice when it is wrong (zl/kernels/blas_core.h).
// Host-side configuration, not an op (kernels/host/).
#include "zl/kernels/blas_core.h"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace zl::kernels {
namespace {

// OpenBLAS's x86-64 cores whose sgemm uses AVX2 or AVX-512 (names as openblas_get_corename() gives
// them, compared case-insensitively). Any other core on an AVX2 CPU is a fallback guess.
constexpr std::array<std::string_view, 6> kVectorCores = {"haswell",  "excavator",  "zen",
                                                          "skylakex", "cooperlake", "sapphirerapids"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string blas_core_name() {
  const char* name = openblas_get_corename();
  return name == nullptr ? std::string() : std::string(name);
}

std::string better_blas_coretype(std::string_view chosen_core, SimdLevel cpu, const char* user_setting) {
  if (user_setting != nullptr && *user_setting != '\0') return "";
  if (cpu == SimdLevel::kScalar) return "";
  const std::string chosen = lower(chosen_core);
  if (std::find(kVectorCores.begin(), kVectorCores.end(), chosen) != kVectorCores.end()) return "";
  return cpu == SimdLevel::kAvx512 ? "SkylakeX" : "Haswell";
}

std::string better_blas_coretype_here() {
  return better_blas_coretype(blas_core_name(), cpu_simd_level(), std::getenv("OPENBLAS_CORETYPE"));
}

}  // namespace zl::kernels
