// cross_entropy: uniform logits give log V, V = 1 gives 0, huge logits stay finite, in-place operation,
// and finite-difference gradients of the mean loss.
#include "zl/kernels/cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

TEST(CrossEntropy, UniformLogitsGiveLogV) {
  const int N = 3, V = 7;
  std::vector<float> logits(N * V, 0.25F), probs(N * V), losses(N);
  const std::vector<std::int32_t> targets = {0, 3, 6};
  const double total = cpu::cross_entropy_forward(probs.data(), losses.data(), logits.data(), targets.data(), N, V);
  EXPECT_NEAR(total, 3 * std::log(7.0), 1e-5);
  for (float p : probs) EXPECT_NEAR(p, 1.0 / 7, 1e-7);
}

TEST(CrossEntropy, SingleClassAndHugeLogits) {
  float logit = 5, prob = 0, loss = -1;
  const std::int32_t target = 0;
  EXPECT_EQ(cpu::cross_entropy_forward(&prob, &loss, &logit, &target, 1, 1), 0.0);
  EXPECT_EQ(prob, 1.0F);
  std::vector<float> logits = {1000, -1000, 0};  // in place: probs alias logits
  std::vector<float> losses(1);
  const std::int32_t t1 = 1;
  const double l = cpu::cross_entropy_forward(logits.data(), losses.data(), logits.data(), &t1, 1, 3);
  EXPECT_NEAR(l, 2000.0, 1e-2);
  EXPECT_NEAR(logits[0], 1.0, 1e-7);
}

TEST(CrossEntropy, GradientOfTheMeanMatchesFiniteDifferences) {
  const int N = 4, V = 9;
  auto logits = testing::random_vector(N * V, 1, -3, 3);
  const std::vector<std::int32_t> targets = {8, 0, 4, 4};
  std::vector<float> probs(N * V), losses(N), dlogits(N * V);
  cpu::cross_entropy_forward(probs.data(), losses.data(), logits.data(), targets.data(), N, V);
  cpu::cross_entropy_backward(dlogits.data(), probs.data(), targets.data(), 1.0F / N, N, V);
  auto loss = [&] {
    return cpu::cross_entropy_forward(probs.data(), losses.data(), logits.data(), targets.data(), N, V) / N;
  };
  testing::expect_gradient_matches("dlogits", logits, dlogits, loss, {1e-3, 1e-2, 1e-3F});
}

}  // namespace
}  // namespace zl::kernels
