// math/layernorm_math.h: the per-element formulas on values where every operation is exact, and rstd
// against double (the finite-difference gradient checks of the whole op are in layernorm_test.cc).
#include "zl/kernels/math/layernorm_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace zl::kernels::math {
namespace {

TEST(LayerNormMath, PerElementFormulas) {
  EXPECT_NEAR(layernorm_rstd(5.0F, 4), 1.0 / std::sqrt(1.25 + 1e-5), 1e-7);  // var = 5 / 4
  EXPECT_EQ(layernorm_norm(3.0F, 1.0F, 0.5F), 1.0F);
  EXPECT_EQ(layernorm_output(3.0F, 1.0F, 0.5F, 2.0F, 0.25F), 2.25F);
  // rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)) = 2 * (1 - 0.25 - 0.5 * 0.5)
  EXPECT_EQ(layernorm_dinp(1.0F, 0.5F, 0.25F, 0.5F, 2.0F), 1.0F);
}

}  // namespace
}  // namespace zl::kernels::math
