// sgd: torch.optim.SGD with momentum and weight decay, hand-computed over two steps.
#include "zl/kernels/sgd.h"

#include <gtest/gtest.h>

namespace zl::kernels {
namespace {

TEST(Sgd, MomentumAndWeightDecayAsTorch) {
  float p = 1.0F, buf = 0.0F;
  const float g1 = 0.5F, g2 = -0.25F;
  cpu::sgd_momentum_step(&p, &g1, &buf, 1, 0.1F, 0.9F, 0.01F);
  // g = 0.5 + 0.01 * 1 = 0.51; buf = 0.51; p = 1 - 0.051 = 0.949
  EXPECT_NEAR(buf, 0.51, 1e-7);
  EXPECT_NEAR(p, 0.949, 1e-7);
  cpu::sgd_momentum_step(&p, &g2, &buf, 1, 0.1F, 0.9F, 0.01F);
  // g = -0.25 + 0.00949 = -0.24051; buf = 0.459 - 0.24051 = 0.21849; p = 0.949 - 0.021849 = 0.927151
  EXPECT_NEAR(buf, 0.21849, 1e-6);
  EXPECT_NEAR(p, 0.927151, 1e-6);
}

}  // namespace
}  // namespace zl::kernels
