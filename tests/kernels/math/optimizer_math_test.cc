// math/optimizer_math.h: one element of each update against torch's formulas in double, and the bias
// corrections (the multi-step comparisons with torch semantics are in adamw_test.cc and sgd_test.cc).
#include "zl/kernels/math/optimizer_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace zl::kernels::math {
namespace {

TEST(OptimizerMath, AdamCorrectionsAreOneMinusBetaToTheStep) {
  const AdamCorrections c = adam_corrections(0.9F, 0.999F, 1);
  EXPECT_EQ(c.bias_correction1, static_cast<float>(1.0 - static_cast<double>(0.9F)));
  EXPECT_EQ(c.bias_correction2_sqrt, static_cast<float>(std::sqrt(1.0 - static_cast<double>(0.999F))));
  const AdamCorrections late = adam_corrections(0.9F, 0.95F, 10000);
  EXPECT_EQ(late.bias_correction1, 1.0F);
  EXPECT_EQ(late.bias_correction2_sqrt, 1.0F);
}

TEST(OptimizerMath, AdamwAndAdamL2UpdateOneElementAsTorch) {
  const double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1, p0 = 0.5, g = -0.25, m0 = 0.02, v0 = 0.001;
  const double bc1 = 0.19, bc2s = std::sqrt(0.0199);
  for (const bool decoupled : {true, false}) {
    float p = 0.5F, m = 0.02F, v = 0.001F;
    double pr = p0, gr = g;
    if (decoupled) {
      adamw_update(p, -0.25F, m, v, 0.01F, 0.9F, 0.99F, 1e-8F, 0.1F, 0.19F, static_cast<float>(bc2s));
      pr *= 1 - lr * wd;
    } else {
      adam_l2_update(p, -0.25F, m, v, 0.01F, 0.9F, 0.99F, 1e-8F, 0.1F, 0.19F, static_cast<float>(bc2s));
      gr += wd * p0;
    }
    const double mr = b1 * m0 + (1 - b1) * gr, vr = b2 * v0 + (1 - b2) * gr * gr;
    pr -= lr / bc1 * mr / (std::sqrt(vr) / bc2s + eps);
    EXPECT_NEAR(m, mr, 1e-8) << decoupled;
    EXPECT_NEAR(v, vr, 1e-9) << decoupled;
    EXPECT_NEAR(p, pr, 1e-7) << decoupled;
  }
}

TEST(OptimizerMath, SgdMomentumUpdateAsTorch) {
  float p = 1.0F, buf = 0.5F;
  sgd_momentum_update(p, 0.25F, buf, 0.5F, 0.5F, 0.5F);  // g = 0.75; buf = 0.25 + 0.75 = 1; p = 0.5: exact
  EXPECT_EQ(buf, 1.0F);
  EXPECT_EQ(p, 0.5F);
}

}  // namespace
}  // namespace zl::kernels::math
