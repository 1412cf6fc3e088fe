// embedding on the GPU equals the CPU bit for bit: the forward is one add per element, and the CUDA
// backward adds each gradient row in the CPU's (b, t) order without atomics, repeated tokens included.
// Tolerance: none (bitwise).
#include "zl/kernels/embedding.h"

#include <random>

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::DeviceBuffer;

class EmbeddingCuda : public testing::CudaParityTest {};

TEST_F(EmbeddingCuda, ForwardAndBackwardMatchCpuBitForBit) {
  for (const auto& [B, T, C, V] : {std::tuple{1, 1, 1, 1}, std::tuple{2, 3, 5, 4}, std::tuple{2, 7, 8, 5},
                                   std::tuple{4, 64, 36, 50}, std::tuple{3, 33, 768, 17}}) {
    for (const std::size_t offset : {std::size_t{0}, std::size_t{1}}) {
      const std::string what = "B=" + std::to_string(B) + " T=" + std::to_string(T) + " C=" + std::to_string(C) +
                               " offset=" + std::to_string(offset);
      std::mt19937 gen(5);
      std::uniform_int_distribution<std::int32_t> token(0, V - 1);  // few tokens: many repeats
      std::vector<std::int32_t> tokens(static_cast<std::size_t>(B) * T);
      for (auto& t : tokens) t = token(gen);
      const auto wte = testing::random_vector(static_cast<std::size_t>(V) * C, 1);
      const auto wpe = testing::random_vector(static_cast<std::size_t>(T) * C, 2);
      const auto dout = testing::random_vector(static_cast<std::size_t>(B) * T * C, 3);
      const auto dwte0 = testing::random_vector(wte.size(), 4), dwpe0 = testing::random_vector(wpe.size(), 5);
      std::vector<float> out(dout.size()), dwte = dwte0, dwpe = dwpe0;
      cpu::embedding_forward(out.data(), tokens.data(), wte.data(), wpe.data(), B, T, C);
      cpu::embedding_backward(dwte.data(), dwpe.data(), dout.data(), tokens.data(), B, T, C);

      DeviceBuffer<std::int32_t> d_tokens(tokens);
      DeviceBuffer<float> d_wte(wte, offset), d_wpe(wpe, offset), d_out(out.size(), offset), d_dout(dout, offset);
      DeviceBuffer<float> d_dwte(dwte0, offset), d_dwpe(dwpe0, offset);
      cuda::embedding_forward(d_out.get(), d_tokens.get(), d_wte.get(), d_wpe.get(), B, T, C);
      cuda::embedding_backward(d_dwte.get(), d_dwpe.get(), d_dout.get(), d_tokens.get(), B, T, C);
      testing::expect_bitwise_equal(d_out.download(), out, "out " + what);
      testing::expect_bitwise_equal(d_dwte.download(), dwte, "dwte " + what);
      testing::expect_bitwise_equal(d_dwpe.download(), dwpe, "dwpe " + what);
    }
  }
}

}  // namespace
}  // namespace zl::kernels
