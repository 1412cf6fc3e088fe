// l2_norm: exact sums of squares for odd lengths; shard partial sums add up to the whole.
#include "zl/kernels/l2_norm.h"

#include <gtest/gtest.h>

#include <vector>

namespace zl::kernels {
namespace {

TEST(L2Norm, SumsSquaresExactly) {
  std::vector<float> x;
  double expected = 0;
  for (int i = 1; i <= 11; ++i) {
    x.push_back(static_cast<float>(i) * (i % 2 ? 1.0F : -1.0F));
    expected += i * i;
  }
  EXPECT_EQ(cpu::squared_l2_norm(x.data(), x.size()), expected);  // 506, exact in double
  EXPECT_EQ(cpu::squared_l2_norm(x.data(), 1), 1.0);
  EXPECT_EQ(cpu::squared_l2_norm(x.data(), 0), 0.0);
  EXPECT_EQ(cpu::squared_l2_norm(x.data(), 5) + cpu::squared_l2_norm(x.data() + 5, 6), expected);
}

}  // namespace
}  // namespace zl::kernels
