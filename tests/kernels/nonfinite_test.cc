// nonfinite: NaN and both infinities found at any position; large finite values and denormals are not.
#include "zl/kernels/nonfinite.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace zl::kernels {
namespace {

TEST(NonFinite, FindsNanAndInfAnywhere) {
  std::vector<float> x(37, 1.0F);
  x[5] = std::numeric_limits<float>::max();
  x[6] = std::numeric_limits<float>::denorm_min();
  EXPECT_FALSE(cpu::has_nonfinite(x.data(), x.size()));
  for (const float bad : {NAN, INFINITY, -INFINITY}) {
    for (const std::size_t at : {std::size_t{0}, std::size_t{36}}) {
      auto y = x;
      y[at] = bad;
      EXPECT_TRUE(cpu::has_nonfinite(y.data(), y.size())) << bad << " at " << at;
    }
  }
  EXPECT_FALSE(cpu::has_nonfinite(x.data(), 0));
}

}  // namespace
}  // namespace zl::kernels
