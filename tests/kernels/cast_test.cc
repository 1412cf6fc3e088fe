// cast: fp32 <-> bf16/fp16 round to nearest even, checked against an independent reference that
// decodes every candidate 16-bit value and picks the nearest (ties to the even bit pattern).
#include "zl/kernels/cast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace zl::kernels {
namespace {

// Independent decoders: plain arithmetic from the format definitions, no bit tricks shared with the
// code under test.
double decode_fp16(std::uint16_t h) {
  const int sign = (h >> 15) ? -1 : 1;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

double decode_bf16(std::uint16_t h) {
  const std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// The correctly rounded 16-bit pattern for x: the finite pattern of the same sign nearest to x, ties
// to the even pattern; overflow past the rounding boundary of the largest finite goes to inf.
template <typename Decode>
std::uint16_t reference_round(float x, Decode decode, std::uint16_t max_finite) {
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double ax = std::fabs(static_cast<double>(x));
  std::uint16_t lo = 0, hi = max_finite;  // binary search over magnitudes (monotone in the pattern)
  while (hi - lo > 1) {
    const auto mid = static_cast<std::uint16_t>((lo + hi) / 2);
    (decode(mid) <= ax ? lo : hi) = mid;
  }
  if (decode(hi) <= ax) lo = hi;  // ax at or above the largest finite
  if (lo == max_finite) {
    const double ulp = decode(max_finite) - decode(static_cast<std::uint16_t>(max_finite - 1));
    const double boundary = decode(max_finite) + ulp / 2;  // halfway to the next (odd) step rounds up to inf
    if (ax >= boundary) return static_cast<std::uint16_t>(sign | (max_finite + 1));
    return static_cast<std::uint16_t>(sign | max_finite);
  }
  const std::uint16_t up = static_cast<std::uint16_t>(lo + 1);
  const double down_distance = ax - decode(lo), up_distance = decode(up) - ax;
  std::uint16_t pick;
  if (down_distance < up_distance) {
    pick = lo;
  } else if (up_distance < down_distance) {
    pick = up;
  } else {
    pick = (lo % 2 == 0) ? lo : up;
  }
  return static_cast<std::uint16_t>(sign | pick);
}

std::vector<float> interesting_floats() {
  std::vector<float> values = {0.0f,
                               -0.0f,
                               1.0f,
                               -1.0f,
                               65504.0f,
                               65519.99f,
                               65520.0f,
                               65536.0f,
                               1e-8f,
                               5.96e-8f,
                               2.98e-8f,
                               2.9802322e-8f,
                               6.1035156e-5f,
                               6.1e-5f,
                               3.14159265f,
                               1.00390625f,
                               1.0078125f,
                               1.01171875f,
                               3.4e38f,
                               -3.4e38f,
                               1e-40f,
                               std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity()};
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 20000; ++i) {
    std::uint32_t u = bits(rng);
    float f;
    std::memcpy(&f, &u, sizeof f);
    if (!std::isnan(f)) values.push_back(f);
  }
  std::normal_distribution<float> normal(0.0f, 100.0f);
  for (int i = 0; i < 20000; ++i) values.push_back(normal(rng));
  return values;
}

TEST(CastCpu, Fp32ToFp16RoundsToNearestEvenLikeTheReference) {
  const auto values = interesting_floats();
  std::vector<std::uint16_t> out(values.size());
  cpu::cast_fp32_to_fp16(values.data(), out.data(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(out[i], reference_round(values[i], decode_fp16, 0x7bff)) << "x = " << values[i];
  }
}

TEST(CastCpu, Fp32ToBf16RoundsToNearestEvenLikeTheReference) {
  const auto values = interesting_floats();
  std::vector<std::uint16_t> out(values.size());
  cpu::cast_fp32_to_bf16(values.data(), out.data(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(out[i], reference_round(values[i], decode_bf16, 0x7f7f)) << "x = " << values[i];
  }
}

TEST(CastCpu, EverySixteenBitPatternDecodesExactlyAndRoundTrips) {
  std::vector<std::uint16_t> patterns(65536);
  for (std::uint32_t i = 0; i < 65536; ++i) patterns[i] = static_cast<std::uint16_t>(i);
  std::vector<float> fp16_decoded(65536), bf16_decoded(65536);
  cpu::cast_fp16_to_fp32(patterns.data(), fp16_decoded.data(), patterns.size());
  cpu::cast_bf16_to_fp32(patterns.data(), bf16_decoded.data(), patterns.size());
  std::vector<std::uint16_t> fp16_again(65536), bf16_again(65536);
  cpu::cast_fp32_to_fp16(fp16_decoded.data(), fp16_again.data(), patterns.size());
  cpu::cast_fp32_to_bf16(bf16_decoded.data(), bf16_again.data(), patterns.size());
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const double fp16_expected = decode_fp16(static_cast<std::uint16_t>(i));
    if (std::isnan(fp16_expected)) {
      EXPECT_TRUE(std::isnan(fp16_decoded[i])) << i;
      EXPECT_TRUE((fp16_again[i] & 0x7c00) == 0x7c00 && (fp16_again[i] & 0x3ff) != 0) << i;  // still NaN
    } else {
      EXPECT_EQ(static_cast<double>(fp16_decoded[i]), fp16_expected) << i;
      EXPECT_EQ(fp16_again[i], i) << i;
    }
    if (std::isnan(bf16_decoded[i])) {
      EXPECT_TRUE((bf16_again[i] & 0x7f80) == 0x7f80 && (bf16_again[i] & 0x7f) != 0) << i;
    } else {
      EXPECT_EQ(bf16_again[i], i) << i;
    }
  }
}

TEST(CastCpu, EmptyAndSingleElementBuffers) {
  cpu::cast_fp32_to_bf16(nullptr, nullptr, 0);
  const float one = 1.5f;
  std::uint16_t h = 0;
  cpu::cast_fp32_to_fp16(&one, &h, 1);
  EXPECT_EQ(h, 0x3e00);
  cpu::cast_fp32_to_bf16(&one, &h, 1);
  EXPECT_EQ(h, 0x3fc0);
}

}  // namespace
}  // namespace zl::kernels
