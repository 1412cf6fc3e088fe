// attention: forward against a double-precision reference of masked softmax attention, T = 1 (output is
// v), and finite-difference gradients of qkv at odd sizes.
#include "zl/kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::expect_gradient_matches;
using testing::random_vector;

std::vector<double> reference_attention(const std::vector<float>& qkv, int B, int T, int C, int NH) {
  const int hs = C / NH;
  std::vector<double> out(static_cast<std::size_t>(B) * T * C, 0.0);
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < NH; ++h) {
      for (int t = 0; t < T; ++t) {
        std::vector<double> w(t + 1);
        double mx = -1e300, sum = 0;
        for (int s = 0; s <= t; ++s) {
          double d = 0;
          for (int i = 0; i < hs; ++i) {
            d += static_cast<double>(qkv[(b * T + t) * 3 * C + h * hs + i]) * qkv[(b * T + s) * 3 * C + C + h * hs + i];
          }
          w[s] = d / std::sqrt(static_cast<double>(hs));
          mx = std::max(mx, w[s]);
        }
        for (int s = 0; s <= t; ++s) sum += (w[s] = std::exp(w[s] - mx));
        for (int s = 0; s <= t; ++s) {
          for (int i = 0; i < hs; ++i) {
            out[(b * T + t) * C + h * hs + i] += w[s] / sum * qkv[(b * T + s) * 3 * C + 2 * C + h * hs + i];
          }
        }
      }
    }
  }
  return out;
}

TEST(Attention, ForwardMatchesADoubleReference) {
  const int B = 2, T = 7, C = 6, NH = 2;
  const auto qkv = random_vector(B * T * 3 * C, 1, -2, 2);
  std::vector<float> out(B * T * C), att(B * NH * T * T);
  cpu::attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH);
  const auto ref = reference_attention(qkv, B, T, C, NH);
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], ref[i], 1e-5) << i;
  for (int t = 0; t < T; ++t) {  // rows sum to one, masked entries are exactly zero
    double s = 0;
    for (int u = 0; u < T; ++u) {
      s += att[t * T + u];
      if (u > t) {
        EXPECT_EQ(att[t * T + u], 0.0F);
      }
    }
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
}

TEST(Attention, SingleTokenOutputsItsValue) {
  const int C = 4, NH = 2;
  const auto qkv = random_vector(3 * C, 2);
  std::vector<float> out(C), att(NH);
  cpu::attention_forward(out.data(), att.data(), qkv.data(), 1, 1, C, NH);
  for (int i = 0; i < C; ++i) EXPECT_FLOAT_EQ(out[i], qkv[2 * C + i]);
}

TEST(Attention, GradientMatchesFiniteDifferences) {
  for (const auto& [B, T, C, NH] : {std::tuple{2, 5, 6, 2}, std::tuple{1, 3, 3, 1}, std::tuple{1, 1, 4, 2}}) {
    auto qkv = random_vector(B * T * 3 * C, 3);
    const auto r = random_vector(B * T * C, 4);
    std::vector<float> out(B * T * C), att(B * NH * T * T), scratch(T * T);
    cpu::attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH);
    std::vector<float> dqkv(qkv.size(), 0.0F);
    cpu::attention_backward(dqkv.data(), scratch.data(), r.data(), qkv.data(), att.data(), B, T, C, NH);
    auto loss = [&] {
      cpu::attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH);
      return testing::probe(out, r);
    };
    expect_gradient_matches("dqkv", qkv, dqkv, loss, {2e-3, 1e-2, 1e-3F});
  }
}

}  // namespace
}  // namespace zl::kernels
