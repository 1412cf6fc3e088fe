// layernorm: a known normalization, the C = 1 edge case, and finite-difference gradients of input,
// weight and bias at odd sizes.
#include "zl/kernels/layernorm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::expect_gradient_matches;
using testing::random_vector;

TEST(LayerNorm, NormalizesToZeroMeanUnitVariance) {
  const std::vector<float> x = {1, 2, 3, 4};
  const std::vector<float> w = {1, 1, 1, 1}, b = {0, 0, 0, 0};
  std::vector<float> out(4);
  float mean = 0, rstd = 0;
  cpu::layernorm_forward(out.data(), &mean, &rstd, x.data(), w.data(), b.data(), 1, 4);
  EXPECT_FLOAT_EQ(mean, 2.5F);
  EXPECT_NEAR(rstd, 1.0 / std::sqrt(1.25 + 1e-5), 1e-6);
  const double s = 1.0 / std::sqrt(1.25 + 1e-5);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out[i], (x[i] - 2.5) * s, 1e-6);
}

TEST(LayerNorm, SingleChannelOutputsTheBias) {
  const float x = 42.0F, w = 3.0F, b = -0.5F;
  float out = 0, mean = 0, rstd = 0;
  cpu::layernorm_forward(&out, &mean, &rstd, &x, &w, &b, 1, 1);
  EXPECT_EQ(out, -0.5F);
}

TEST(LayerNorm, GradientsMatchFiniteDifferences) {
  for (const auto& [N, C] : {std::pair{3, 7}, std::pair{1, 2}, std::pair{5, 16}}) {
    auto x = random_vector(N * C, 10, -2, 2);
    auto w = random_vector(C, 11, 0.5F, 1.5F);
    auto b = random_vector(C, 12);
    const auto r = random_vector(N * C, 13);
    std::vector<float> out(N * C), mean(N), rstd(N);
    cpu::layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), N, C);
    std::vector<float> dx(N * C, 0.0F), dw(C, 0.0F), db(C, 0.0F);
    cpu::layernorm_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), mean.data(), rstd.data(), N,
                            C);
    auto loss = [&] {
      cpu::layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), N, C);
      return testing::probe(out, r);
    };
    const testing::Tolerance tol{2e-3, 1e-2, 1e-3F};
    expect_gradient_matches("dx", x, dx, loss, tol);
    expect_gradient_matches("dw", w, dw, loss, tol);
    expect_gradient_matches("db", b, db, loss, tol);
  }
}

}  // namespace
}  // namespace zl::kernels
