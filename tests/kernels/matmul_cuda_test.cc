// matmul on the GPU (cuBLAS, fp32, TF32 off) against the CPU twin (OpenBLAS). Inputs in [-1, 1].
// Tolerance for every GEMM result: 1e-4 relative + 1e-4 absolute (fp32 dot products of up to 768
// terms summed in different orders; TF32 would miss this by ~1e-3, so the test also guards the math
// mode). dbias equals bit for bit (both add the rows in order). With and without bias; backward
// accumulates into non-zero gradients and skips null outputs.
#include "zl/kernels/matmul.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::DeviceBuffer;

class MatmulCuda : public testing::CudaParityTest {};

TEST_F(MatmulCuda, ForwardAndBackwardMatchCpu) {
  for (const auto& [N, C, OC] : {std::tuple{1, 1, 1}, std::tuple{3, 5, 7}, std::tuple{17, 33, 9},
                                 std::tuple{64, 768, 100}, std::tuple{129, 64, 768}}) {
    for (const std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const std::string what = "N=" + std::to_string(N) + " C=" + std::to_string(C) + " OC=" + std::to_string(OC) +
                               " offset=" + std::to_string(offset);
      const auto x = testing::random_vector(static_cast<std::size_t>(N) * C, 1);
      const auto w = testing::random_vector(static_cast<std::size_t>(OC) * C, 2);
      const auto b = testing::random_vector(static_cast<std::size_t>(OC), 3);
      const auto dout = testing::random_vector(static_cast<std::size_t>(N) * OC, 4);
      const auto dx0 = testing::random_vector(x.size(), 5), dw0 = testing::random_vector(w.size(), 6),
                 db0 = testing::random_vector(b.size(), 7);
      std::vector<float> out(dout.size()), out_nobias(dout.size()), dx = dx0, dw = dw0, db = db0;
      cpu::matmul_forward(out.data(), x.data(), w.data(), b.data(), N, C, OC);
      cpu::matmul_forward(out_nobias.data(), x.data(), w.data(), nullptr, N, C, OC);
      cpu::matmul_backward(dx.data(), dw.data(), db.data(), dout.data(), x.data(), w.data(), N, C, OC);

      DeviceBuffer<float> d_x(x, offset), d_w(w, offset), d_b(b, offset), d_out(out.size(), offset);
      cuda::matmul_forward(d_out.get(), d_x.get(), d_w.get(), d_b.get(), N, C, OC);
      testing::expect_close(d_out.download(), out, 1e-4, 1e-4, "out " + what);
      cuda::matmul_forward(d_out.get(), d_x.get(), d_w.get(), nullptr, N, C, OC);
      testing::expect_close(d_out.download(), out_nobias, 1e-4, 1e-4, "out without bias " + what);

      DeviceBuffer<float> d_dout(dout, offset), d_dx(dx0, offset), d_dw(dw0, offset), d_db(db0, offset);
      cuda::matmul_backward(d_dx.get(), d_dw.get(), d_db.get(), d_dout.get(), d_x.get(), d_w.get(), N, C, OC);
      testing::expect_close(d_dx.download(), dx, 1e-4, 1e-4, "dinp " + what);
      testing::expect_close(d_dw.download(), dw, 1e-4, 1e-4, "dweight " + what);
      testing::expect_bitwise_equal(d_db.download(), db, "dbias " + what);

      DeviceBuffer<float> d_only(dx0, offset);  // dweight and dbias null: only dinp is touched
      cuda::matmul_backward(d_only.get(), nullptr, nullptr, d_dout.get(), d_x.get(), d_w.get(), N, C, OC);
      testing::expect_close(d_only.download(), dx, 1e-4, 1e-4, "dinp alone " + what);
    }
  }
}

}  // namespace
}  // namespace zl::kernels
