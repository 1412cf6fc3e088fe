// The OpenBLAS core advice (zl/kernels/blas_core.h): which guesses count as fallbacks, which SIMD level
// gets which core, and that a user's OPENBLAS_CORETYPE always stands. Plus this process's core name,
// which the Debian build (DYNAMIC_ARCH) always reports.
#include <gtest/gtest.h>

#include "zl/kernels/blas_core.h"

namespace zl::kernels {
namespace {

TEST(BlasCore, FallbackCoreOnAvx512CpuGetsSkylakeX) {
  EXPECT_EQ(better_blas_coretype("Prescott", SimdLevel::kAvx512, nullptr), "SkylakeX");
  EXPECT_EQ(better_blas_coretype("Nehalem", SimdLevel::kAvx512, nullptr), "SkylakeX");
  EXPECT_EQ(better_blas_coretype("Sandybridge", SimdLevel::kAvx512, nullptr), "SkylakeX");
}

TEST(BlasCore, FallbackCoreOnAvx2CpuGetsHaswell) {
  EXPECT_EQ(better_blas_coretype("Prescott", SimdLevel::kAvx2, nullptr), "Haswell");
  EXPECT_EQ(better_blas_coretype("Core2", SimdLevel::kAvx2, ""), "Haswell");  // empty variable = unset
}

TEST(BlasCore, VectorCoresAreLeftAloneWhateverTheirCase) {
  for (const char* core : {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SAPPHIRERAPIDS", "excavator"}) {
    EXPECT_EQ(better_blas_coretype(core, SimdLevel::kAvx512, nullptr), "") << core;
  }
}

TEST(BlasCore, CpuWithoutAvx2NeedsNothing) {
  EXPECT_EQ(better_blas_coretype("Prescott", SimdLevel::kScalar, nullptr), "");
}

TEST(BlasCore, UserSettingAlwaysStands) {
  EXPECT_EQ(better_blas_coretype("Prescott", SimdLevel::kAvx512, "Prescott"), "");
  EXPECT_EQ(better_blas_coretype("Prescott", SimdLevel::kAvx512, "Haswell"), "");
}

TEST(BlasCore, ThisProcessReportsItsCoreAndAdviceIsConsistent) {
  const std::string core = blas_core_name();
  EXPECT_FALSE(core.empty());
  EXPECT_EQ(better_blas_coretype_here(),
            better_blas_coretype(core, cpu_simd_level(), std::getenv("OPENBLAS_CORETYPE")));
}

}  // namespace
}  // namespace zl::kernels
