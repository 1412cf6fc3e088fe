// math/cast_math.h: the bit helpers and the four conversions on values whose encodings are known
// exactly (the exhaustive and randomized checks against an independent reference are in cast_test.cc).
#include "zl/kernels/math/cast_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace zl::kernels::math {
namespace {

TEST(CastMath, BitsRoundTrip) {
  EXPECT_EQ(float_bits(1.0F), 0x3f800000u);
  EXPECT_EQ(float_bits(-2.0F), 0xc0000000u);
  EXPECT_EQ(bits_float(0x3f800000u), 1.0F);
  EXPECT_EQ(float_bits(bits_float(0x7fc00001u)), 0x7fc00001u);  // NaN payload survives
}

TEST(CastMath, Bf16RoundsToNearestEvenAndKeepsNanQuiet) {
  EXPECT_EQ(float_to_bf16_bits(1.0F), 0x3f80);
  EXPECT_EQ(float_to_bf16_bits(bits_float(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(float_to_bf16_bits(bits_float(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(float_to_bf16_bits(bits_float(0x3f808001u)), 0x3f81);  // above the tie
  EXPECT_EQ(float_to_bf16_bits(bits_float(0x7f800001u)), 0x7fc0);  // signalling NaN becomes quiet
  EXPECT_EQ(bf16_bits_to_float(0x4049), 3.140625F);
  EXPECT_EQ(bf16_bits_to_float(0xff80), -std::numeric_limits<float>::infinity());
}

TEST(CastMath, Fp16RoundsOverflowsAndUnderflowsExactly) {
  EXPECT_EQ(float_to_fp16_bits(1.5F), 0x3e00);
  EXPECT_EQ(float_to_fp16_bits(65504.0F), 0x7bff);
  EXPECT_EQ(float_to_fp16_bits(65519.0F), 0x7bff);
  EXPECT_EQ(float_to_fp16_bits(65520.0F), 0x7c00);                // rounds up to inf
  EXPECT_EQ(float_to_fp16_bits(-std::ldexp(1.0F, -24)), 0x8001);  // smallest subnormal
  EXPECT_EQ(float_to_fp16_bits(std::ldexp(1.0F, -25)), 0x0000);   // tie with zero: even
  EXPECT_EQ(fp16_bits_to_float(0x0001), std::ldexp(1.0F, -24));
  EXPECT_EQ(fp16_bits_to_float(0x7bff), 65504.0F);
  EXPECT_TRUE(std::isnan(fp16_bits_to_float(0x7e00)));
}

}  // namespace
}  // namespace zl::kernels::math
