// scale on the GPU equals the CPU bit for bit (one IEEE multiply per element). Tolerance: none.
#include "zl/kernels/scale.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class ScaleCuda : public testing::CudaParityTest {};

TEST_F(ScaleCuda, MatchesCpuBitForBit) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      const auto x0 = testing::random_vector(n, 1, -100, 100);
      std::vector<float> x = x0;
      cpu::scale(x.data(), n, 0.1F);  // inexact factor: every product is rounded
      DeviceBuffer<float> d_x(x0, offset);
      cuda::scale(d_x.get(), n, 0.1F);
      testing::expect_bitwise_equal(d_x.download(), x, "scale " + case_name(n, offset));
    }
  }
}

TEST_F(ScaleCuda, EmptyIsANoOp) {
  cuda::scale(nullptr, 0, 2.0F);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

}  // namespace
}  // namespace zl::kernels
