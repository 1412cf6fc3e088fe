// Per-rank model-state bytes, as the accounting allocator counts them after the first step (optimizer
// state allocated), equal the ZeRO paper's formulas for fp32 training with Adam (4 bytes of
// parameters, 4 of gradients, 8 of optimizer state per parameter), divided as DESIGN.md §4's table
// says, padding included — exactly. Computed here from the model's layer sizes independently of the
// engine's partition code.
#include <gtest/gtest.h>

#include "world_harness.h"
#include "zl/runtime/allocator.h"

namespace zl::engine {
namespace {

using runtime::MemoryKind;

struct Expected {
  std::int64_t params = 0, grads = 0, optimizer = 0;
};

Expected zero_formula(int stage, int world) {
  const auto sizes = testing::test_model().layer_parameter_counts();
  const std::int64_t threshold = 10 * testing::test_model().n_embd;  // stage3_param_persistence_threshold
  Expected e;
  for (const std::int64_t psi : sizes) {
    const std::int64_t padded = (psi + world - 1) / world * world;
    const std::int64_t shard = padded / world;
    switch (stage) {
      case 0: e.params += 4 * psi; e.grads += 4 * psi; e.optimizer += 8 * psi; break;
      case 1: e.params += 4 * padded; e.grads += 4 * padded; e.optimizer += 8 * shard; break;
      case 2: e.params += 4 * padded; e.grads += 4 * shard; e.optimizer += 8 * shard; break;
      default: e.params += 4 * (psi < threshold ? padded : shard); e.grads += 4 * shard; e.optimizer += 8 * shard; break;
    }
  }
  return e;
}

class EngineMemory : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(EngineMemory, ModelStateBytesEqualTheZeroFormulas) {
  const auto [stage, world] = GetParam();
  const auto records = testing::run_world(testing::WorldConfig{world, stage, 1, 12, 1, false});
  const Expected e = zero_formula(stage, world);
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "");
    const auto& m = records[r].memory_after_first_step;
    EXPECT_EQ(m.current_bytes(MemoryKind::kParams), e.params) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kGrads), e.grads) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer), e.optimizer) << "rank " << r;
  }
  if (stage >= 1 && world > 1) {
    // The point of ZeRO: the optimizer state per rank shrinks by about the world size.
    EXPECT_LT(e.optimizer, zero_formula(0, 1).optimizer / world + 8 * world * 8);
  }
}

INSTANTIATE_TEST_SUITE_P(StagesAndWorlds, EngineMemory,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(1, 2, 3, 4)));

}  // namespace
}  // namespace zl::engine
