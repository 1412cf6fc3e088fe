// layernorm on the GPU against the CPU twin. Tolerances: mean, rstd and out within 1e-5 relative +
// 1e-5 absolute (the same per-element formulas, math/layernorm_math.h; only the C-term fp32 row sums
// differ in order). Backward, given the CPU's saved mean and rstd: dweight and dbias equal bit for
// bit (both add over rows in order), dinp within 1e-4 relative + 1e-5 absolute (two row sums, then a
// difference that can cancel).
#include "zl/kernels/layernorm.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::DeviceBuffer;

class LayerNormCuda : public testing::CudaParityTest {};

TEST_F(LayerNormCuda, ForwardAndBackwardMatchCpu) {
  for (const auto& [N, C] :
       {std::pair{1, 1}, std::pair{3, 7}, std::pair{5, 16}, std::pair{64, 768}, std::pair{7, 1027}}) {
    for (const std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const std::string what =
          "N=" + std::to_string(N) + " C=" + std::to_string(C) + " offset=" + std::to_string(offset);
      const std::size_t NC = static_cast<std::size_t>(N) * C;
      const auto x = testing::random_vector(NC, 1, -2, 3);
      const auto w = testing::random_vector(static_cast<std::size_t>(C), 2, 0.5F, 1.5F);
      const auto b = testing::random_vector(static_cast<std::size_t>(C), 3);
      const auto dout = testing::random_vector(NC, 4);
      const auto dx0 = testing::random_vector(NC, 5), dw0 = testing::random_vector(w.size(), 6),
                 db0 = testing::random_vector(b.size(), 7);
      std::vector<float> out(NC), mean(static_cast<std::size_t>(N)), rstd(mean.size());
      std::vector<float> dx = dx0, dw = dw0, db = db0;
      cpu::layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), N, C);
      cpu::layernorm_backward(dx.data(), dw.data(), db.data(), dout.data(), x.data(), w.data(), mean.data(),
                              rstd.data(), N, C);

      DeviceBuffer<float> d_x(x, offset), d_w(w, offset), d_b(b, offset), d_out(NC, offset);
      DeviceBuffer<float> d_mean(mean.size(), offset), d_rstd(rstd.size(), offset);
      cuda::layernorm_forward(d_out.get(), d_mean.get(), d_rstd.get(), d_x.get(), d_w.get(), d_b.get(), N, C);
      testing::expect_close(d_out.download(), out, 1e-5, 1e-5, "out " + what);
      testing::expect_close(d_mean.download(), mean, 1e-5, 1e-5, "mean " + what);
      testing::expect_close(d_rstd.download(), rstd, 1e-5, 1e-5, "rstd " + what);

      d_mean.upload(mean);
      d_rstd.upload(rstd);
      DeviceBuffer<float> d_dout(dout, offset), d_dx(dx0, offset), d_dw(dw0, offset), d_db(db0, offset);
      cuda::layernorm_backward(d_dx.get(), d_dw.get(), d_db.get(), d_dout.get(), d_x.get(), d_w.get(), d_mean.get(),
                               d_rstd.get(), N, C);
      testing::expect_close(d_dx.download(), dx, 1e-4, 1e-5, "dinp " + what);
      testing::expect_bitwise_equal(d_dw.download(), dw, "dweight " + what);
      testing::expect_bitwise_equal(d_db.download(), db, "dbias " + what);
    }
  }
}

}  // namespace
}  // namespace zl::kernels
