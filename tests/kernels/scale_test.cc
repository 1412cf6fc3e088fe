// scale: every element multiplied, odd lengths included.
#include "zl/kernels/scale.h"

#include <gtest/gtest.h>

#include <vector>

namespace zl::kernels {
namespace {

TEST(Scale, MultipliesEveryElement) {
  std::vector<float> x = {1, -2, 3, 4.5F, 0};
  cpu::scale(x.data(), x.size(), 0.5F);
  EXPECT_EQ(x, (std::vector<float>{0.5F, -1, 1.5F, 2.25F, 0}));
  cpu::scale(x.data(), 0, 100.0F);  // empty is a no-op
  EXPECT_EQ(x[0], 0.5F);
}

}  // namespace
}  // namespace zl::kernels
