// attention on the GPU (cuBLAS, fp32, TF32 off, warp-per-row softmax) against the CPU twin (OpenBLAS).
// Inputs in [-1, 1]. Tolerances: att and out within 1e-4 relative + 1e-5 absolute (the same fast_exp
// per element; the hs-term score products and T-term sums differ in order); masked entries exactly 0.
// Backward, given the CPU's att, accumulating into non-zero dqkv: within 1e-4 relative + 1e-4 absolute.
#include "zl/kernels/attention.h"

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::DeviceBuffer;

class AttentionCuda : public testing::CudaParityTest {};

TEST_F(AttentionCuda, ForwardAndBackwardMatchCpu) {
  for (const auto& [B, T, C, NH] : {std::tuple{1, 1, 4, 2}, std::tuple{2, 5, 6, 2}, std::tuple{2, 7, 12, 3},
                                    std::tuple{1, 64, 64, 4}, std::tuple{2, 33, 48, 4}, std::tuple{1, 100, 96, 2}}) {
    for (const std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const std::string what = "B=" + std::to_string(B) + " T=" + std::to_string(T) + " C=" + std::to_string(C) +
                               " NH=" + std::to_string(NH) + " offset=" + std::to_string(offset);
      const std::size_t TT = static_cast<std::size_t>(T) * T;
      const auto qkv = testing::random_vector(static_cast<std::size_t>(B) * T * 3 * C, 1);
      const auto dout = testing::random_vector(static_cast<std::size_t>(B) * T * C, 2);
      const auto dqkv0 = testing::random_vector(qkv.size(), 3);
      std::vector<float> out(dout.size()), att(static_cast<std::size_t>(B) * NH * TT), scratch(TT), dqkv = dqkv0;
      cpu::attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH);
      cpu::attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), att.data(), B, T, C, NH);

      DeviceBuffer<float> d_qkv(qkv, offset), d_out(out.size(), offset), d_att(att.size(), offset);
      cuda::attention_forward(d_out.get(), d_att.get(), d_qkv.get(), B, T, C, NH);
      const auto gpu_att = d_att.download();
      testing::expect_close(gpu_att, att, 1e-4, 1e-5, "att " + what);
      testing::expect_close(d_out.download(), out, 1e-4, 1e-5, "out " + what);
      for (std::size_t r = 0; r < att.size() / T; ++r) {
        for (int s = static_cast<int>(r % T) + 1; s < T; ++s) ASSERT_EQ(gpu_att[r * T + s], 0.0F) << what;
      }

      d_att.upload(att);
      DeviceBuffer<float> d_dout(dout, offset), d_dqkv(dqkv0, offset), d_scratch(TT, offset);
      cuda::attention_backward(d_dqkv.get(), d_scratch.get(), d_dout.get(), d_qkv.get(), d_att.get(), B, T, C, NH);
      testing::expect_close(d_dqkv.download(), dqkv, 1e-4, 1e-4, "dqkv " + what);
    }
  }
}

}  // namespace
}  // namespace zl::kernels
