// math/gelu_math.h: gelu and gelu_grad against the tanh formula and its analytic derivative in double.
#include "zl/kernels/math/gelu_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace zl::kernels::math {
namespace {

double reference_gelu(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

double reference_gelu_grad(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  const double t = std::tanh(k * (x + 0.044715 * x * x * x));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x);
}

TEST(GeluMath, ValueAndDerivativeMatchTheFormulaInDouble) {
  for (float x = -8.0F; x <= 8.0F; x += 0.0371F) {
    EXPECT_NEAR(gelu(x), reference_gelu(x), 1e-6 + 1e-6 * std::fabs(x)) << x;
    EXPECT_NEAR(gelu_grad(x), reference_gelu_grad(x), 2e-6) << x;
  }
  EXPECT_EQ(gelu(0.0F), 0.0F);
  EXPECT_EQ(gelu_grad(0.0F), 0.5F);
  EXPECT_EQ(gelu(-100.0F), -0.0F);  // tanh saturates at -1 exactly
  EXPECT_EQ(gelu_grad(100.0F), 1.0F);
}

}  // namespace
}  // namespace zl::kernels::math
