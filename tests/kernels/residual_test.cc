// residual: the sum and its gradient (which flows unchanged to both inputs, accumulating).
#include "zl/kernels/residual.h"

#include <gtest/gtest.h>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

TEST(Residual, ForwardAddsAndBackwardAccumulatesIntoBoth) {
  const std::vector<float> a = {1, 2, 3}, b = {10, 20, 30}, d = {0.5F, -1, 2};
  std::vector<float> out(3), da = {1, 1, 1}, db = {0, 0, 0};
  cpu::residual_forward(out.data(), a.data(), b.data(), 3);
  EXPECT_EQ(out, (std::vector<float>{11, 22, 33}));
  cpu::residual_backward(da.data(), db.data(), d.data(), 3);
  EXPECT_EQ(da, (std::vector<float>{1.5F, 0, 3}));
  EXPECT_EQ(db, d);
}

TEST(Residual, GradientMatchesFiniteDifferencesWhenInputsAlias) {
  auto x = testing::random_vector(5, 1);
  const auto r = testing::random_vector(5, 2);
  std::vector<float> out(5), dx(5, 0.0F);
  cpu::residual_backward(dx.data(), dx.data(), r.data(), 5);  // out = x + x
  auto loss = [&] {
    cpu::residual_forward(out.data(), x.data(), x.data(), 5);
    return testing::probe(out, r);
  };
  testing::expect_gradient_matches("dx", x, dx, loss);
}

}  // namespace
}  // namespace zl::kernels
