// gelu: known values of the tanh form (against std::tanh in double), the accuracy of the shared fast
// exp, and finite-difference gradients.
#include "zl/kernels/gelu.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradient_check.h"
#include "zl/kernels/math/exp_math.h"

namespace zl::kernels {
namespace {

double reference_gelu(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

TEST(Gelu, MatchesTheTanhFormula) {
  const std::vector<float> x = {-10, -3, -1, -0.5F, 0, 0.5F, 1, 3, 10};
  std::vector<float> out(x.size());
  cpu::gelu_forward(out.data(), x.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(out[i], reference_gelu(x[i]), 1e-6) << x[i];
  EXPECT_EQ(out[4], 0.0F);
  EXPECT_NEAR(out[6], 0.8411919906, 1e-6);
}

TEST(Gelu, FastExpIsAccurateAndSaturates) {
  double worst = 0;
  for (float x = -87.0F; x <= 88.0F; x += 0.01337F) {
    const double rel =
        std::fabs(math::fast_exp(x) - std::exp(static_cast<double>(x))) / std::exp(static_cast<double>(x));
    worst = std::max(worst, rel);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_TRUE(std::isfinite(math::fast_exp(1000.0F)));
  EXPECT_LT(math::fast_exp(-1000.0F), 1e-37F);
  EXPECT_EQ(math::fast_tanh(50.0F), 1.0F);
  EXPECT_EQ(math::fast_tanh(-50.0F), -1.0F);
}

TEST(Gelu, GradientMatchesFiniteDifferences) {
  auto x = testing::random_vector(37, 5, -4, 4);
  const auto r = testing::random_vector(37, 6);
  std::vector<float> out(37), dx(37, 0.0F);
  cpu::gelu_backward(dx.data(), x.data(), r.data(), x.size());
  auto loss = [&] {
    cpu::gelu_forward(out.data(), x.data(), x.size());
    return testing::probe(out, r);
  };
  testing::expect_gradient_matches("dx", x, dx, loss, {1e-3, 1e-2, 1e-3F});
}

}  // namespace
}  // namespace zl::kernels
