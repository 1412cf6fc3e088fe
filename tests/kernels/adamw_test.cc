// adamw: AdamW and Adam-with-L2 against a double-precision transcription of torch.optim.AdamW/Adam over
// several steps, and the known first step (|update| = lr when eps is negligible).
#include "zl/kernels/adamw.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gradient_check.h"

namespace zl::kernels {
namespace {

// torch.optim.AdamW / Adam (amsgrad=False, maximize=False), in double.
void reference_adam(std::vector<double>& p, const std::vector<float>& g, std::vector<double>& m, std::vector<double>& v,
                    const cpu::AdamHyper& h, bool decoupled) {
  const double bc1 = 1 - std::pow(static_cast<double>(h.beta1), h.step);
  const double bc2 = 1 - std::pow(static_cast<double>(h.beta2), h.step);
  for (std::size_t i = 0; i < p.size(); ++i) {
    double gi = g[i];
    if (decoupled)
      p[i] *= 1 - static_cast<double>(h.lr) * h.weight_decay;
    else
      gi += static_cast<double>(h.weight_decay) * p[i];
    m[i] = h.beta1 * m[i] + (1 - static_cast<double>(h.beta1)) * gi;
    v[i] = h.beta2 * v[i] + (1 - static_cast<double>(h.beta2)) * gi * gi;
    p[i] -= h.lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + h.eps);
  }
}

TEST(AdamW, FirstStepMovesEachWeightByLr) {
  std::vector<float> p = {1, -1, 0.5F}, g = {0.3F, -2, 1e-3F}, m(3, 0), v(3, 0);
  cpu::AdamHyper h;
  h.lr = 0.01F;
  h.eps = 1e-12F;
  cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), 3, h);
  EXPECT_NEAR(p[0], 0.99, 1e-6);
  EXPECT_NEAR(p[1], -0.99, 1e-6);
  EXPECT_NEAR(p[2], 0.49, 1e-6);
}

TEST(AdamW, MatchesTorchSemanticsOverSteps) {
  for (const bool decoupled : {true, false}) {
    const std::size_t n = 13;
    auto p = testing::random_vector(n, 1);
    std::vector<double> pr(p.begin(), p.end()), mr(n, 0), vr(n, 0);
    std::vector<float> m(n, 0), v(n, 0);
    cpu::AdamHyper h;
    h.lr = 3e-3F;
    h.beta1 = 0.9F;
    h.beta2 = 0.95F;
    h.weight_decay = 0.1F;
    for (int step = 1; step <= 5; ++step) {
      h.step = step;
      const auto g = testing::random_vector(n, 100 + step);
      if (decoupled)
        cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), n, h);
      else
        cpu::adam_l2_step(p.data(), g.data(), m.data(), v.data(), n, h);
      reference_adam(pr, g, mr, vr, h, decoupled);
    }
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(p[i], pr[i], 1e-6) << (decoupled ? "AdamW" : "Adam") << i;
  }
}

}  // namespace
}  // namespace zl::kernels
