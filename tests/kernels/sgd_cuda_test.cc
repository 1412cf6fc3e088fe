// sgd on the GPU equals the CPU bit for bit over several steps: both run math::sgd_momentum_update one
// rounding per operation (CPU -ffp-contract=off, CUDA --fmad=false). Tolerance: none (bitwise).
#include "zl/kernels/sgd.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class SgdCuda : public testing::CudaParityTest {};

TEST_F(SgdCuda, ThreeStepsMatchCpuBitForBit) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      std::vector<float> p = testing::random_vector(n, 1), buf(n, 0.0F);
      DeviceBuffer<float> d_p(p, offset), d_buf(buf, offset), d_g(n, offset);
      for (std::uint32_t step = 1; step <= 3; ++step) {
        const auto g = testing::random_vector(n, 10 + step);
        cpu::sgd_momentum_step(p.data(), g.data(), buf.data(), n, 0.05F, 0.9F, 0.01F);
        d_g.upload(g);
        cuda::sgd_momentum_step(d_p.get(), d_g.get(), d_buf.get(), n, 0.05F, 0.9F, 0.01F);
      }
      testing::expect_bitwise_equal(d_p.download(), p, "param " + case_name(n, offset));
      testing::expect_bitwise_equal(d_buf.download(), buf, "momentum " + case_name(n, offset));
    }
  }
}

}  // namespace
}  // namespace zl::kernels
