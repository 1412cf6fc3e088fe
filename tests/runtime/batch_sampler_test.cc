// BatchSampler: the samples of a global batch are the same whatever the world size (ranks' slices are
// disjoint and their union is the batch), targets are the next tokens, and the order depends on the
// seed.
#include "zl/runtime/batch_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace zl::runtime {
namespace {

TokenStream counting_stream(std::size_t n) {
  TokenStream s;
  for (std::size_t i = 0; i < n; ++i) s.tokens.push_back(static_cast<std::uint16_t>(i % 60000));
  s.vocab_size = 60000;
  return s;
}

// Window starts of every sample of global batch `step`, gathered from all ranks, sorted.
std::vector<std::int32_t> global_batch_starts(const BatchSampler& sampler, int micro, int accumulation, int world,
                                              std::int64_t step) {
  std::vector<std::int32_t> starts;
  for (int rank = 0; rank < world; ++rank) {
    for (int m = 0; m < accumulation; ++m) {
      const MicroBatch mb = sampler.micro_batch(step, m, rank);
      EXPECT_EQ(mb.B, micro);
      for (int b = 0; b < mb.B; ++b) starts.push_back(mb.tokens[static_cast<std::size_t>(b) * mb.T]);
    }
  }
  std::sort(starts.begin(), starts.end());
  return starts;
}

TEST(BatchSampler, GlobalBatchIsIndependentOfWorldSize) {
  const TokenStream s = counting_stream(50000);
  // Global batch 16 = micro 2 x accumulation 8 x world 1 = 2 x 4 x 2 = 2 x 2 x 4 = 4 x 1 x 4.
  const BatchSampler w1(s, 8, 2, 8, 1, 42), w2(s, 8, 2, 4, 2, 42), w4(s, 8, 2, 2, 4, 42), w4b(s, 8, 4, 1, 4, 42);
  for (std::int64_t step : {0, 1, 7}) {
    const auto ref = global_batch_starts(w1, 2, 8, 1, step);
    EXPECT_EQ(ref.size(), 16U);
    EXPECT_EQ(global_batch_starts(w2, 2, 4, 2, step), ref);
    EXPECT_EQ(global_batch_starts(w4, 2, 2, 4, step), ref);
    EXPECT_EQ(global_batch_starts(w4b, 4, 1, 4, step), ref);
  }
}

TEST(BatchSampler, RanksTakeInterleavedMicroBatches) {
  const TokenStream s = counting_stream(50000);
  const BatchSampler one(s, 4, 2, 4, 1, 9), two(s, 4, 2, 2, 2, 9);
  // Rank 1 of 2, accumulation step 1 reads micro-batch 1 * 2 + 1 = 3 of the global batch.
  EXPECT_EQ(two.micro_batch(5, 1, 1).tokens, one.micro_batch(5, 3, 0).tokens);
  EXPECT_EQ(two.micro_batch(5, 0, 1).tokens, one.micro_batch(5, 1, 0).tokens);
}

TEST(BatchSampler, TargetsAreTheNextTokensAndTheSeedMatters) {
  const TokenStream s = counting_stream(1000);
  const BatchSampler a(s, 16, 3, 1, 1, 1), b(s, 16, 3, 1, 1, 2);
  const MicroBatch mb = a.micro_batch(0, 0, 0);
  for (std::size_t i = 0; i < mb.tokens.size(); ++i) EXPECT_EQ(mb.targets[i], mb.tokens[i] + 1);
  EXPECT_NE(a.micro_batch(0, 0, 0).tokens, b.micro_batch(0, 0, 0).tokens);
  EXPECT_EQ(a.micro_batch(3, 0, 0).tokens, a.micro_batch(3, 0, 0).tokens);
  for (std::int64_t g = 0; g < 2000; ++g) EXPECT_LE(a.window_start(g) + 17, s.tokens.size());
}

}  // namespace
}  // namespace zl::runtime
