// XXH64 against the reference values of xxHash (seed 0), and streaming that does not depend on how
// the input is split.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zl/checkpoint/xxhash64.h"

namespace zl::checkpoint {
namespace {

TEST(Xxh64, ReferenceValues) {
  EXPECT_EQ(xxh64("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxh64("a", 1), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxh64("abc", 3), 0x44BC2CF5AD770999ULL);
}

TEST(Xxh64, StreamingEqualsOneShotForEverySplit) {
  std::vector<unsigned char> data(200);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 37 + 11);
  for (std::size_t n : {0u, 5u, 31u, 32u, 33u, 64u, 100u, 200u}) {
    const std::uint64_t whole = xxh64(data.data(), n);
    for (std::size_t split = 0; split <= n; split += 3) {
      Xxh64 h;
      h.update(data.data(), split);
      h.update(data.data() + split, n - split);
      EXPECT_EQ(h.digest(), whole) << n << " split at " << split;
    }
  }
}

TEST(Xxh64, HexRoundTrip) {
  EXPECT_EQ(hex64(0x0123456789abcdefULL), "0123456789abcdef");
  EXPECT_EQ(parse_hex64("0123456789abcdef", "x"), 0x0123456789abcdefULL);
  EXPECT_THROW((void)parse_hex64("xyz", "x"), std::exception);
}

}  // namespace
}  // namespace zl::checkpoint
