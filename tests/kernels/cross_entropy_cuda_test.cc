// cross_entropy on the GPU against the CPU twin. Tolerances: probabilities within 1e-5 relative (the
// same fast_exp per element; only the row sum's order differs, a few ulp of a V-term fp32 sum);
// losses within 1e-5 absolute + 1e-5 relative (log of that sum, and CUDA's logf is within 1 ulp of
// glibc's); the total within 1e-5 relative. The backward, given the same probabilities, is
// element-wise (dloss * p, minus dloss at the target) and equal bit for bit.
#include "zl/kernels/cross_entropy.h"

#include <random>

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::DeviceBuffer;

class CrossEntropyCuda : public testing::CudaParityTest {};

std::vector<std::int32_t> random_targets(int N, int V, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<std::int32_t> dist(0, V - 1);
  std::vector<std::int32_t> t(static_cast<std::size_t>(N));
  for (auto& x : t) x = dist(gen);
  return t;
}

TEST_F(CrossEntropyCuda, ForwardAndBackwardMatchCpu) {
  for (const auto& [N, V] :
       {std::pair{1, 1}, std::pair{3, 7}, std::pair{4, 8}, std::pair{5, 1000}, std::pair{3, 50257}}) {
    for (const std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const std::string what =
          "N=" + std::to_string(N) + " V=" + std::to_string(V) + " offset=" + std::to_string(offset);
      const std::size_t NV = static_cast<std::size_t>(N) * V;
      const auto logits = testing::random_vector(NV, 1, -8, 8);
      const auto targets = random_targets(N, V, 2);
      std::vector<float> probs(NV), losses(static_cast<std::size_t>(N)), dlogits(NV);
      const double total = cpu::cross_entropy_forward(probs.data(), losses.data(), logits.data(), targets.data(), N, V);

      DeviceBuffer<float> d_logits(logits, offset), d_probs(NV, offset), d_losses(losses.size(), offset);
      DeviceBuffer<std::int32_t> d_targets(targets);
      const double gpu_total =
          cuda::cross_entropy_forward(d_probs.get(), d_losses.get(), d_logits.get(), d_targets.get(), N, V);
      EXPECT_NEAR(gpu_total, total, 1e-5 * std::fabs(total) + 1e-5) << what;
      testing::expect_close(d_probs.download(), probs, 1e-5, 1e-12, "probs " + what);
      testing::expect_close(d_losses.download(), losses, 1e-5, 1e-5, "losses " + what);

      // In place (probs alias logits) gives the same as out of place.
      DeviceBuffer<float> d_inplace(logits, offset);
      cuda::cross_entropy_forward(d_inplace.get(), d_losses.get(), d_inplace.get(), d_targets.get(), N, V);
      testing::expect_bitwise_equal(d_inplace.download(), d_probs.download(), "in place " + what);

      const float dloss = 1.0F / static_cast<float>(N);
      cpu::cross_entropy_backward(dlogits.data(), probs.data(), targets.data(), dloss, N, V);
      d_probs.upload(probs);
      DeviceBuffer<float> d_dlogits(NV, offset);
      cuda::cross_entropy_backward(d_dlogits.get(), d_probs.get(), d_targets.get(), dloss, N, V);
      testing::expect_bitwise_equal(d_dlogits.download(), dlogits, "dlogits " + what);
      cuda::cross_entropy_backward(d_probs.get(), d_probs.get(), d_targets.get(), dloss, N, V);  // dlogits aliases
      testing::expect_bitwise_equal(d_probs.download(), dlogits, "dlogits in place " + what);
    }
  }
}

}  // namespace
}  // namespace zl::kernels
