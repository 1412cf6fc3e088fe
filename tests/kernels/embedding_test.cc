// embedding: forward is a gather plus position add; backward scatters (repeated tokens accumulate);
// finite-difference check of both weight gradients.
#include "zl/kernels/embedding.h"

#include <gtest/gtest.h>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::expect_gradient_matches;
using testing::random_vector;

TEST(Embedding, ForwardAddsTokenAndPositionRows) {
  const int V = 3, T = 2, C = 2;
  const std::vector<float> wte = {1, 2, 10, 20, 100, 200};
  const std::vector<float> wpe = {0.5F, 0.25F, -1, -2};
  const std::vector<std::int32_t> tokens = {2, 0};
  std::vector<float> out(T * C);
  cpu::embedding_forward(out.data(), tokens.data(), wte.data(), wpe.data(), 1, T, C);
  EXPECT_EQ(out, (std::vector<float>{100.5F, 200.25F, 0, 0}));
  (void)V;
}

TEST(Embedding, BackwardAccumulatesRepeatedTokens) {
  const int V = 4, B = 2, T = 3, C = 5;
  const std::vector<std::int32_t> tokens = {1, 1, 3, 0, 1, 3};
  const auto wte = random_vector(V * C, 1);
  const auto wpe = random_vector(T * C, 2);
  const auto r = random_vector(B * T * C, 3);
  std::vector<float> dwte(V * C, 0.0F), dwpe(T * C, 0.0F);
  cpu::embedding_backward(dwte.data(), dwpe.data(), r.data(), tokens.data(), B, T, C);
  // Token 2 never occurs: its gradient row stays zero.
  for (int i = 0; i < C; ++i) EXPECT_EQ(dwte[2 * C + i], 0.0F);
  std::vector<float> wte_v = wte, wpe_v = wpe, out(B * T * C);
  auto loss = [&] {
    cpu::embedding_forward(out.data(), tokens.data(), wte_v.data(), wpe_v.data(), B, T, C);
    return testing::probe(out, r);
  };
  expect_gradient_matches("dwte", wte_v, dwte, loss);
  expect_gradient_matches("dwpe", wpe_v, dwpe, loss);
}

TEST(Embedding, SingleTokenSingleChannel) {
  const std::vector<float> wte = {3}, wpe = {4};
  const std::vector<std::int32_t> tokens = {0};
  float out = 0;
  cpu::embedding_forward(&out, tokens.data(), wte.data(), wpe.data(), 1, 1, 1);
  EXPECT_EQ(out, 7.0F);
}

}  // namespace
}  // namespace zl::kernels
