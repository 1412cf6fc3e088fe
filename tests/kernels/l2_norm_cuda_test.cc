// squared_l2_norm on the GPU: exact where every partial sum is exact (small integers), within 1e-12
// relative of the CPU on random data (both accumulate exact float products in double; only the order
// of the double additions differs), and the same bits on a second run (fixed grid, fixed trees).
#include "zl/kernels/l2_norm.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class L2NormCuda : public testing::CudaParityTest {};

TEST_F(L2NormCuda, ExactOnIntegers) {
  std::vector<float> x;
  for (int i = 1; i <= 1001; ++i) x.push_back(static_cast<float>(i % 7) - 3.0F);
  DeviceBuffer<float> d_x(x, 1);
  EXPECT_EQ(cuda::squared_l2_norm(d_x.get(), x.size()), cpu::squared_l2_norm(x.data(), x.size()));
  EXPECT_EQ(cuda::squared_l2_norm(d_x.get(), 0), 0.0);
}

TEST_F(L2NormCuda, MatchesCpuWithin1e12AndRepeatsExactly) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      const auto x = testing::random_vector(n, 7, -3, 3);
      DeviceBuffer<float> d_x(x, offset);
      const double expected = cpu::squared_l2_norm(x.data(), n);
      const double first = cuda::squared_l2_norm(d_x.get(), n);
      EXPECT_NEAR(first, expected, 1e-12 * expected) << case_name(n, offset);
      EXPECT_EQ(cuda::squared_l2_norm(d_x.get(), n), first) << case_name(n, offset);
    }
  }
}

}  // namespace
}  // namespace zl::kernels
