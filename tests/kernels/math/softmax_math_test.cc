// math/softmax_math.h: softmax_grad against finite differences of a softmax computed in double.
#include "zl/kernels/math/softmax_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace zl::kernels::math {
namespace {

std::vector<double> softmax(const std::vector<double>& s) {
  double mx = s[0], sum = 0;
  for (const double x : s) mx = std::max(mx, x);
  std::vector<double> p(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) sum += (p[i] = std::exp(s[i] - mx));
  for (auto& x : p) x /= sum;
  return p;
}

TEST(SoftmaxMath, GradMatchesFiniteDifferences) {
  const std::vector<double> s = {0.3, -1.2, 2.0, 0.0, 0.7};
  const std::vector<double> dp = {0.5, -0.25, 1.0, 2.0, -1.5};  // L = sum_i dp_i p_i
  const auto p = softmax(s);
  double dot = 0;
  for (std::size_t i = 0; i < s.size(); ++i) dot += p[i] * dp[i];
  const float scale = 0.5F;  // as attention's 1/sqrt(hs): ds_i is scaled
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto plus = s, minus = s;
    plus[i] += 1e-6;
    minus[i] -= 1e-6;
    double lp = 0, lm = 0;
    const auto pp = softmax(plus), pm = softmax(minus);
    for (std::size_t j = 0; j < s.size(); ++j) {
      lp += dp[j] * pp[j];
      lm += dp[j] * pm[j];
    }
    const double numeric = scale * (lp - lm) / 2e-6;
    const float analytic =
        softmax_grad(static_cast<float>(p[i]), static_cast<float>(dp[i]), static_cast<float>(dot), scale);
    EXPECT_NEAR(analytic, numeric, 1e-6) << i;
  }
  EXPECT_EQ(softmax_grad(0.5F, 2.0F, 1.0F, 0.5F), 0.25F);
}

}  // namespace
}  // namespace zl::kernels::math
