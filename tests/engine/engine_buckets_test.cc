// reduce_bucket_size and allgather_bucket_size as communication buckets at stages 1-3 (docs/engine.md
// "Buckets"). For each stage, world size and bucket size, one optimizer step counts exactly the calls
// and payload the bucket rule gives (traffic_theory.h computes both from the layer sizes alone: the
// bytes are the unbucketed ones, padding included; only the number of collectives follows the bucket
// size); the trained parameters equal those of the run with one collective per layer to 1e-6 (fp32:
// each element's sum over ranks is the same, only its collective differs); and the bucket buffers are
// accounted as MemoryKind::kBuffers and released after use.
// Bucket sizes, in elements: 3001 (smaller than every block: big layers are split, and 3001 / world is
// rounded down), 60000 (the final LayerNorm shares a bucket with the last block), 1e6 (more than the
// model: one collective for all layers). The reference, 49984 = the largest padded layer, gives one
// bucket per layer for this model at 2 and 4 ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "traffic_theory.h"
#include "world_harness.h"
#include "zl/runtime/allocator.h"

namespace zl::engine {
namespace {

using runtime::MemoryKind;
using testing::RankRecord;
using testing::WorldConfig;

constexpr std::int64_t kPerLayer = 49984;

// World 2 accumulates over two micro-steps without overlap; world 4 overlaps one micro-step's
// reduce-scatters with its backward.
WorldConfig world_config(int stage, int world, std::int64_t bucket) {
  WorldConfig c{world, stage, 3, 24, world == 2 ? 2 : 1, world == 4};
  c.reduce_bucket_size = bucket;
  c.allgather_bucket_size = bucket;
  return c;
}

const std::vector<RankRecord>& per_layer_run(int stage, int world) {
  static std::map<std::pair<int, int>, std::vector<RankRecord>> runs;
  auto it = runs.find({stage, world});
  if (it == runs.end())
    it = runs.emplace(std::pair{stage, world}, testing::run_world(world_config(stage, world, kPerLayer))).first;
  return it->second;
}

TEST(BucketRule, CountsForTheTestModelByHand) {
  // Shards per rank at 2 ranks, layer order: embedding 9216, blocks 24992 and 24992, final LayerNorm 64.
  EXPECT_EQ(testing::layer_shards(2), (std::vector<std::int64_t>{9216, 24992, 24992, 64}));
  // Bucket 3001 at 2 ranks: 1500 per rank. Backward order: [64], 16 x 1500 + [992] of each block, 6 x 1500
  // + [216] of the embedding.
  EXPECT_EQ(testing::reduce_buckets(world_config(1, 2, 3001)).size(), 42u);
  // Layer order: 6 x 1500 + [216], 16 x 1500 + [992] twice, then [992 + 64] shared with the LayerNorm.
  EXPECT_EQ(testing::gather_buckets(world_config(1, 2, 3001)).size(), 41u);
  EXPECT_EQ(testing::reduce_buckets(world_config(1, 2, 60000)), (std::vector<std::int64_t>{64 + 24992, 24992, 9216}));
  EXPECT_EQ(testing::gather_buckets(world_config(1, 2, 60000)), (std::vector<std::int64_t>{9216, 24992, 24992 + 64}));
  EXPECT_EQ(testing::reduce_buckets(world_config(1, 4, 1000000)), (std::vector<std::int64_t>{4608 + 12496 * 2 + 32}));
  EXPECT_EQ(testing::reduce_buckets(world_config(1, 4, kPerLayer)),
            (std::vector<std::int64_t>{32, 12496, 12496, 4608}));
  EXPECT_EQ(testing::gather_buckets(world_config(1, 4, kPerLayer)),
            (std::vector<std::int64_t>{4608, 12496, 12496, 32}));
  // Fewer elements than ranks: one element per rank.
  EXPECT_EQ(testing::bucket_sizes({3, 1}, 1, 4), (std::vector<std::int64_t>{1, 1, 1, 1}));
}

// The most bytes of bucket buffers alive at once when at most two buckets are outstanding (FIFO).
std::int64_t two_bucket_peak(const std::vector<std::int64_t>& per_rank, int world) {
  std::int64_t peak = 0;
  for (std::size_t k = 0; k < per_rank.size(); ++k) {
    peak = std::max(peak, per_rank[k] + (k > 0 ? per_rank[k - 1] : 0));
  }
  return peak * world * 4;
}

class EngineBuckets : public ::testing::TestWithParam<std::tuple<int, int, std::int64_t>> {};

TEST_P(EngineBuckets, CallsFollowTheBucketSizeAndTrainingDoesNot) {
  const auto [stage, world, bucket] = GetParam();
  const WorldConfig config = world_config(stage, world, bucket);
  const auto records = testing::run_world(config);
  ASSERT_NO_FATAL_FAILURE(testing::expect_step_traffic(records, testing::zero_theory(config, testing::TrafficBytes{})));

  const auto& reference = per_layer_run(stage, world);
  std::int64_t padded_bytes = 0;  // the whole padded gradient in fp32
  for (const std::int64_t shard : testing::layer_shards(world)) padded_bytes += 4 * shard * world;
  const std::vector<std::int64_t> rs = testing::reduce_buckets(config);
  const std::int64_t largest = *std::max_element(rs.begin(), rs.end()) * world * 4;
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(reference[r].error, "");
    ASSERT_EQ(records[r].final_parameters.size(), reference[r].final_parameters.size());
    for (std::size_t l = 0; l < reference[r].final_parameters.size(); ++l) {
      const auto& got = records[r].final_parameters[l];
      const auto& want = reference[r].final_parameters[l];
      ASSERT_EQ(got.size(), want.size());
      double worst = 0;
      for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(double{got[i]} - want[i]));
      EXPECT_LE(worst, 1e-6) << "rank " << r << " layer " << l;
    }
    const auto& m = records[r].memory_after_first_step;
    EXPECT_EQ(m.current_bytes(MemoryKind::kBuffers), 0) << "rank " << r << ": bucket buffers released";
    const std::int64_t peak = m.peak_bytes(MemoryKind::kBuffers);
    if (stage == 1) {
      // fp32 stage 1 holds no other buffers: the peak is the buckets', two at a time, the reduce-scatter's
      // at the boundary or the all-gather's after the step.
      EXPECT_EQ(peak, std::max(two_bucket_peak(rs, world), two_bucket_peak(testing::gather_buckets(config), world)))
          << "rank " << r;
    } else if (rs.size() == 1) {
      // One bucket for the model: it and every layer's full gradient it packed are alive together.
      EXPECT_GE(peak, 2 * padded_bytes) << "rank " << r;
    } else {
      EXPECT_GE(peak, largest) << "rank " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(StagesWorldsBuckets, EngineBuckets,
                         ::testing::Combine(::testing::Values(1, 2, 3), ::testing::Values(2, 4),
                                            ::testing::Values(std::int64_t{3001}, std::int64_t{60000},
                                                              std::int64_t{1000000})),
                         [](const ::testing::TestParamInfo<std::tuple<int, int, std::int64_t>>& param_info) {
                           return "stage" + std::to_string(std::get<0>(param_info.param)) + "_world" +
                                  std::to_string(std::get<1>(param_info.param)) + "_bucket" +
                                  std::to_string(std::get<2>(param_info.param));
                         });

}  // namespace
}  // namespace zl::engine
