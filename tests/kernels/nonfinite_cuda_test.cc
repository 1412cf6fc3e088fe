// has_nonfinite on the GPU gives the CPU's answer for finite buffers and for a NaN or +-inf planted
// first, last, in the middle, or in the scalar tail, at aligned and misaligned offsets. Exact (a bool).
#include "zl/kernels/nonfinite.h"

#include <limits>

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class NonFiniteCuda : public testing::CudaParityTest {};

TEST_F(NonFiniteCuda, AgreesWithCpuWhereverTheBadValueIs) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      auto x = testing::random_vector(n, 1, -1e30F, 1e30F);
      x[0] = std::numeric_limits<float>::max();
      if (n > 1) x[1] = std::numeric_limits<float>::denorm_min();
      DeviceBuffer<float> d_x(x, offset);
      EXPECT_FALSE(cpu::has_nonfinite(x.data(), n));
      EXPECT_FALSE(cuda::has_nonfinite(d_x.get(), n)) << case_name(n, offset);
      for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()}) {
        for (const std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
          auto y = x;
          y[at] = bad;
          d_x.upload(y);
          ASSERT_TRUE(cpu::has_nonfinite(y.data(), n));
          EXPECT_TRUE(cuda::has_nonfinite(d_x.get(), n)) << bad << " at " << at << " " << case_name(n, offset);
        }
      }
    }
  }
  EXPECT_FALSE(cuda::has_nonfinite(nullptr, 0));
}

}  // namespace
}  // namespace zl::kernels
