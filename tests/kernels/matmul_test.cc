// matmul: forward against a double-precision triple loop, null bias, odd and unit sizes, and
// finite-difference gradients of input, weight and bias (backward accumulates).
#include "zl/kernels/matmul.h"

#include <gtest/gtest.h>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::expect_gradient_matches;
using testing::random_vector;

TEST(Matmul, ForwardMatchesADoubleReference) {
  for (const auto& [N, C, OC] : {std::tuple{1, 1, 1}, std::tuple{3, 5, 7}, std::tuple{17, 33, 9}}) {
    const auto x = random_vector(N * C, 1);
    const auto w = random_vector(OC * C, 2);
    const auto b = random_vector(OC, 3);
    std::vector<float> out(N * OC), out_nobias(N * OC);
    cpu::matmul_forward(out.data(), x.data(), w.data(), b.data(), N, C, OC);
    cpu::matmul_forward(out_nobias.data(), x.data(), w.data(), nullptr, N, C, OC);
    for (int n = 0; n < N; ++n) {
      for (int o = 0; o < OC; ++o) {
        double s = 0;
        for (int c = 0; c < C; ++c) s += static_cast<double>(x[n * C + c]) * w[o * C + c];
        EXPECT_NEAR(out_nobias[n * OC + o], s, 1e-5);
        EXPECT_NEAR(out[n * OC + o], s + b[o], 1e-5);
      }
    }
  }
}

TEST(Matmul, GradientsMatchFiniteDifferencesAndAccumulate) {
  const int N = 5, C = 6, OC = 3;
  auto x = random_vector(N * C, 4);
  auto w = random_vector(OC * C, 5);
  auto b = random_vector(OC, 6);
  const auto r = random_vector(N * OC, 7);
  std::vector<float> dx(N * C, 1.0F), dw(OC * C, 1.0F), db(OC, 1.0F);  // start at 1: backward adds
  cpu::matmul_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), N, C, OC);
  for (auto* g : {&dx, &dw, &db}) {
    for (auto& v : *g) v -= 1.0F;
  }
  std::vector<float> out(N * OC);
  auto loss = [&] {
    cpu::matmul_forward(out.data(), x.data(), w.data(), b.data(), N, C, OC);
    return testing::probe(out, r);
  };
  expect_gradient_matches("dx", x, dx, loss);
  expect_gradient_matches("dw", w, dw, loss);
  expect_gradient_matches("db", b, db, loss);
}

TEST(Matmul, BackwardSkipsNullOutputs) {
  const std::vector<float> x = {2}, w = {3}, dout = {5};
  float dx = 0;
  cpu::matmul_backward(&dx, nullptr, nullptr, dout.data(), x.data(), w.data(), 1, 1, 1);
  EXPECT_EQ(dx, 15.0F);
}

}  // namespace
}  // namespace zl::kernels
