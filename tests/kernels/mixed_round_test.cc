// mixed_round: rounding through bf16/fp16 and 16-bit accumulation. Known answers from the formats'
// definitions (the stagnation of a 16-bit sum under a small addend, ties to even), and agreement with the
// composition of the cast op (checked against independent decoders in cast_test) on random values.
#include "zl/kernels/mixed_round.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "zl/kernels/cast.h"

namespace zl::kernels {
namespace {

std::uint16_t bf16(float x) {
  std::uint16_t h;
  cpu::cast_fp32_to_bf16(&x, &h, 1);
  return h;
}
std::uint16_t fp16(float x) {
  std::uint16_t h;
  cpu::cast_fp32_to_fp16(&x, &h, 1);
  return h;
}
float from_bf16(std::uint16_t h) {
  float x;
  cpu::cast_bf16_to_fp32(&h, &x, 1);
  return x;
}
float from_fp16(std::uint16_t h) {
  float x;
  cpu::cast_fp16_to_fp32(&h, &x, 1);
  return x;
}

TEST(MixedRound, RoundThroughKeepsRepresentableValuesAndRoundsTiesToEven) {
  // bf16 keeps 8 significant bits: at 1 the spacing is 2^-7. 1 + 2^-8 is a tie (to even: 1), a hair
  // above it rounds up; fp16 keeps 11: at 1 the spacing is 2^-10.
  std::vector<float> x = {1.0f, 0.5f, -3.0f, 1.0f + 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-20f, 1.0f + 3 * 0x1p-8f};
  cpu::round_through_bf16(x.data(), x.size());
  EXPECT_EQ(x, (std::vector<float>{1.0f, 0.5f, -3.0f, 1.0f, 1.0f + 0x1p-7f, 1.0f + 0x1p-6f}));
  std::vector<float> y = {1.0f + 0x1p-11f, 1.0f + 0x1p-11f + 0x1p-20f, 70000.0f};
  cpu::round_through_fp16(y.data(), y.size());
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 1.0f + 0x1p-10f);
  EXPECT_TRUE(std::isinf(y[2])) << "fp16's largest finite value is 65504";
}

TEST(MixedRound, SixteenBitSumsStagnateUnderSmallAddendsAsTheFormatDictates) {
  // 1 + 2^-9 is not representable in bf16 and rounds back to 1: accumulating 2^-9 into a bf16 1.0
  // changes nothing, however often it is done; 2^-7 moves it by one unit.
  std::vector<std::uint16_t> acc = {bf16(1.0f), bf16(1.0f)};
  const std::vector<float> add = {0x1p-9f, 0x1p-7f};
  for (int i = 0; i < 10; ++i) cpu::accumulate_bf16(acc.data(), add.data(), acc.size());
  EXPECT_EQ(from_bf16(acc[0]), 1.0f);
  EXPECT_EQ(from_bf16(acc[1]), 1.0f + 10 * 0x1p-7f);
  // The addend is rounded to the format before the sum: 0.1 in bf16 is 0.10009765625.
  std::vector<std::uint16_t> one = {bf16(0.0f)};
  const std::vector<float> tenth = {0.1f};
  cpu::accumulate_bf16(one.data(), tenth.data(), 1);
  EXPECT_EQ(from_bf16(one[0]), 0.10009765625f);
  // fp16 overflows to inf past 65504.
  std::vector<std::uint16_t> big = {fp16(65504.0f)};
  const std::vector<std::uint16_t> more = {fp16(32.0f)};
  cpu::accumulate_fp16_fp16(big.data(), more.data(), 1);
  EXPECT_TRUE(std::isinf(from_fp16(big[0])));
}

TEST(MixedRound, AgreesWithTheCompositionOfTheCastOpOnRandomValues) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  const std::size_t n = 10007;
  std::vector<float> x(n), add(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = normal(rng);
    add[i] = normal(rng) * 1e-3f;
  }
  for (const bool is_bf16 : {true, false}) {
    const auto narrow = is_bf16 ? bf16 : fp16;
    const auto widen = is_bf16 ? from_bf16 : from_fp16;
    std::vector<float> rounded = x;
    (is_bf16 ? cpu::round_through_bf16 : cpu::round_through_fp16)(rounded.data(), n);
    std::vector<std::uint16_t> acc(n), acc16(n), add16(n);
    for (std::size_t i = 0; i < n; ++i) {
      acc[i] = acc16[i] = narrow(x[i]);
      add16[i] = narrow(add[i]);
    }
    (is_bf16 ? cpu::accumulate_bf16 : cpu::accumulate_fp16)(acc.data(), add.data(), n);
    (is_bf16 ? cpu::accumulate_bf16_bf16 : cpu::accumulate_fp16_fp16)(acc16.data(), add16.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(rounded[i], widen(narrow(x[i]))) << i;
      const std::uint16_t expected = narrow(widen(narrow(x[i])) + widen(narrow(add[i])));
      ASSERT_EQ(acc[i], expected) << (is_bf16 ? "bf16 " : "fp16 ") << i;
      ASSERT_EQ(acc16[i], expected) << (is_bf16 ? "bf16 " : "fp16 ") << i;
    }
  }
}

}  // namespace
}  // namespace zl::kernels
