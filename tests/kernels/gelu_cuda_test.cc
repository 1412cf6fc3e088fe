// gelu on the GPU equals gelu on the CPU bit for bit: both evaluate math/gelu_math.h one rounding per
// operation (CPU -ffp-contract=off, CUDA --fmad=false, IEEE division). Tolerance: none (bitwise).
#include "zl/kernels/gelu.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class GeluCuda : public testing::CudaParityTest {};

TEST_F(GeluCuda, ForwardAndBackwardMatchCpuBitForBit) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      const auto x = testing::random_vector(n, 1, -6, 6);
      const auto dout = testing::random_vector(n, 2);
      const auto dinp0 = testing::random_vector(n, 3);  // backward accumulates
      std::vector<float> out(n), dinp = dinp0;
      cpu::gelu_forward(out.data(), x.data(), n);
      cpu::gelu_backward(dinp.data(), x.data(), dout.data(), n);

      DeviceBuffer<float> d_x(x, offset), d_dout(dout, offset), d_out(n, offset), d_dinp(dinp0, offset);
      cuda::gelu_forward(d_out.get(), d_x.get(), n);
      cuda::gelu_backward(d_dinp.get(), d_x.get(), d_dout.get(), n);
      testing::expect_bitwise_equal(d_out.download(), out, "gelu out " + case_name(n, offset));
      testing::expect_bitwise_equal(d_dinp.download(), dinp, "gelu dinp " + case_name(n, offset));
    }
  }
}

}  // namespace
}  // namespace zl::kernels
