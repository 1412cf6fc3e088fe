// Communication per optimizer step, as the Communicator counts it (payload as nccl-tests sizes it),
// equals the ZeRO paper's volumes exactly, padding included (Psi = padded parameters, 4 bytes each):
//   stage 0: all_reduce Psi; stages 1-2: reduce_scatter Psi + all_gather Psi; with accumulation A,
//   stage 2 reduce-scatters every micro-step (A Psi); stage 3: all_gather 2 Psi of the sharded layers
//   (forward + backward) + reduce_scatter A Psi, with the persistent layers' after-step all_gather
//   counted apart. Every stage adds one 2-float all_reduce (loss sum and gradient squares) and stage 3
//   one all_gather of each rank's 8-byte gather-sequence hash. Measured between steps 2 and 3: stage 3
//   learns the layers' order of use in the first step.
#include <gtest/gtest.h>

#include "world_harness.h"

namespace zl::engine {
namespace {

using comm::Collective;

struct Traffic {
  std::uint64_t all_reduce = 0, reduce_scatter = 0, all_gather = 0;
};

Traffic theory(int stage, int world, int accumulation) {
  const auto sizes = testing::test_model().layer_parameter_counts();
  const std::int64_t threshold = 10 * testing::test_model().n_embd;
  std::uint64_t psi = 0, padded = 0, sharded = 0, persistent = 0;
  for (const std::int64_t p : sizes) {
    const std::int64_t pad = (p + world - 1) / world * world;
    psi += static_cast<std::uint64_t>(p);
    padded += static_cast<std::uint64_t>(pad);
    (p < threshold ? persistent : sharded) += static_cast<std::uint64_t>(pad);
  }
  Traffic t;
  t.all_reduce = 8;  // loss sum + gradient squares
  switch (stage) {
    case 0: t.all_reduce += 4 * psi; break;
    case 1: t.reduce_scatter = 4 * padded; t.all_gather = 4 * padded; break;
    case 2: t.reduce_scatter = 4 * padded * static_cast<std::uint64_t>(accumulation); t.all_gather = 4 * padded; break;
    default:
      t.reduce_scatter = 4 * padded * static_cast<std::uint64_t>(accumulation);
      t.all_gather = 2 * 4 * sharded * static_cast<std::uint64_t>(accumulation)  // forward + backward, per micro-step
                     + 4 * persistent                                            // persistent layers after the step
                     + 8 * static_cast<std::uint64_t>(world);                    // gather-sequence hashes
      break;
  }
  return t;
}

class EngineTraffic : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(EngineTraffic, PayloadPerStepEqualsTheZeroVolumes) {
  const auto [stage, world, accumulation] = GetParam();
  const auto records = testing::run_world(testing::WorldConfig{world, stage, 3, 24, accumulation, false});
  const Traffic want = theory(stage, world, accumulation);
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "");
    const auto& before = records[r].comm_after_step.at(1);
    const auto& after = records[r].comm_after_step.at(2);
    auto delta = [&](Collective c) { return after.of(c).payload_bytes - before.of(c).payload_bytes; };
    EXPECT_EQ(delta(Collective::kAllReduce), want.all_reduce) << "rank " << r;
    EXPECT_EQ(delta(Collective::kReduceScatter), want.reduce_scatter) << "rank " << r;
    EXPECT_EQ(delta(Collective::kAllGather), want.all_gather) << "rank " << r;
    EXPECT_EQ(delta(Collective::kBroadcast), 0u) << "rank " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(StagesWorldsAccumulation, EngineTraffic,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(2, 4), ::testing::Values(1, 2)));

}  // namespace
}  // namespace zl::engine
