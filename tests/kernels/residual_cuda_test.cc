// residual on the GPU equals the CPU bit for bit (one IEEE add per element), including the backward
// with da and db aliasing the same buffer. Tolerance: none (bitwise).
#include "zl/kernels/residual.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class ResidualCuda : public testing::CudaParityTest {};

TEST_F(ResidualCuda, ForwardAndBackwardMatchCpuBitForBit) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      const auto a = testing::random_vector(n, 1), b = testing::random_vector(n, 2);
      const auto dout = testing::random_vector(n, 3);
      const auto da0 = testing::random_vector(n, 4), db0 = testing::random_vector(n, 5);
      std::vector<float> out(n), da = da0, db = db0, dx = da0;
      cpu::residual_forward(out.data(), a.data(), b.data(), n);
      cpu::residual_backward(da.data(), db.data(), dout.data(), n);
      cpu::residual_backward(dx.data(), dx.data(), dout.data(), n);  // aliasing: dx += 2 dout, in two adds

      DeviceBuffer<float> d_a(a, offset), d_b(b, offset), d_out(n, offset), d_dout(dout, offset);
      DeviceBuffer<float> d_da(da0, offset), d_db(db0, offset), d_dx(da0, offset);
      cuda::residual_forward(d_out.get(), d_a.get(), d_b.get(), n);
      cuda::residual_backward(d_da.get(), d_db.get(), d_dout.get(), n);
      cuda::residual_backward(d_dx.get(), d_dx.get(), d_dout.get(), n);
      testing::expect_bitwise_equal(d_out.download(), out, "out " + case_name(n, offset));
      testing::expect_bitwise_equal(d_da.download(), da, "da " + case_name(n, offset));
      testing::expect_bitwise_equal(d_db.download(), db, "db " + case_name(n, offset));
      testing::expect_bitwise_equal(d_dx.download(), dx, "aliased dx " + case_name(n, offset));
    }
  }
}

}  // namespace
}  // namespace zl::kernels
