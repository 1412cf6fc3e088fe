// mixed_round on the GPU equals mixed_round on the CPU bit for bit (both compose cast_math.h), on random
// and special values, at element offsets that do and do not align (cuda_parity.h). Labelled `cuda`:
// runs where a GPU is visible and skips with the reason elsewhere.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "cuda_parity.h"
#include "zl/kernels/cast.h"
#include "zl/kernels/mixed_round.h"

namespace zl::kernels {
namespace {

using testing::DeviceBuffer;

class MixedRoundCuda : public testing::CudaParityTest {};

std::vector<float> values(std::size_t n, std::uint32_t seed) {
  std::vector<float> out = {0.0f, -0.0f, 65504.0f, 65520.0f, 1e-8f, 3.4e38f, 1e-40f, 1.0f + 0x1p-8f};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint32_t> bits;
  std::normal_distribution<float> normal(0.0f, 2.0f);
  while (out.size() < n) {
    if (out.size() % 2 == 0) {
      out.push_back(normal(rng));
    } else {
      const std::uint32_t u = bits(rng);
      float f;
      std::memcpy(&f, &u, sizeof f);
      out.push_back(f);
    }
  }
  out.resize(n);
  return out;
}

TEST_F(MixedRoundCuda, RoundThroughMatchesTheCpuBitForBit) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      const std::vector<float> x = values(n, 3);
      for (const bool is_bf16 : {true, false}) {
        std::vector<float> cpu_x = x;
        (is_bf16 ? cpu::round_through_bf16 : cpu::round_through_fp16)(cpu_x.data(), n);
        DeviceBuffer<float> d(x, offset);
        (is_bf16 ? cuda::round_through_bf16 : cuda::round_through_fp16)(d.get(), n);
        testing::expect_bitwise_equal(d.download(), cpu_x,
                                      std::string(is_bf16 ? "bf16 " : "fp16 ") + testing::case_name(n, offset));
      }
    }
  }
}

TEST_F(MixedRoundCuda, AccumulateMatchesTheCpuBitForBit) {
  for (const std::size_t n : testing::kParitySizes) {
    for (const std::size_t offset : testing::kParityOffsets) {
      const std::vector<float> x = values(n, 7);
      const std::vector<float> add = values(n, 8);
      for (const bool is_bf16 : {true, false}) {
        std::vector<std::uint16_t> acc(n), add16(n);
        (is_bf16 ? cpu::cast_fp32_to_bf16 : cpu::cast_fp32_to_fp16)(x.data(), acc.data(), n);
        (is_bf16 ? cpu::cast_fp32_to_bf16 : cpu::cast_fp32_to_fp16)(add.data(), add16.data(), n);
        std::vector<std::uint16_t> cpu_acc = acc, cpu_acc16 = acc;
        (is_bf16 ? cpu::accumulate_bf16 : cpu::accumulate_fp16)(cpu_acc.data(), add.data(), n);
        (is_bf16 ? cpu::accumulate_bf16_bf16 : cpu::accumulate_fp16_fp16)(cpu_acc16.data(), add16.data(), n);
        DeviceBuffer<std::uint16_t> d_acc(acc, offset), d_acc16(acc, offset), d_add16(add16, offset);
        DeviceBuffer<float> d_add(add, offset);
        (is_bf16 ? cuda::accumulate_bf16 : cuda::accumulate_fp16)(d_acc.get(), d_add.get(), n);
        (is_bf16 ? cuda::accumulate_bf16_bf16 : cuda::accumulate_fp16_fp16)(d_acc16.get(), d_add16.get(), n);
        const std::string what = std::string(is_bf16 ? "bf16 " : "fp16 ") + testing::case_name(n, offset);
        EXPECT_EQ(d_acc.download(), cpu_acc) << what << " (fp32 addends)";
        EXPECT_EQ(d_acc16.download(), cpu_acc16) << what << " (16-bit addends)";
      }
    }
  }
}

}  // namespace
}  // namespace zl::kernels
