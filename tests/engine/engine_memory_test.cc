// Per-rank model-state bytes, as the accounting allocator counts them after the first step (optimizer
// state allocated), equal the ZeRO paper's formulas for fp32 training with Adam (4 bytes of
// parameters, 4 of gradients, 8 of optimizer state per parameter), divided as DESIGN.md §4's table
// says, padding included — exactly. The formulas (zero_formulas.h) are computed from the model's layer
// sizes, independently of the engine's partition code.
#include <gtest/gtest.h>

#include "world_harness.h"
#include "zero_formulas.h"
#include "zl/runtime/allocator.h"

namespace zl::engine {
namespace {

using runtime::MemoryKind;

testing::StateBytes zero_formula(int stage, int world) {
  return testing::zero_state_bytes(stage, world, testing::kFp32Widths);
}

class EngineMemory : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(EngineMemory, ModelStateBytesEqualTheZeroFormulas) {
  const auto [stage, world] = GetParam();
  const auto records = testing::run_world(testing::WorldConfig{world, stage, 1, 12, 1, false});
  const testing::StateBytes e = zero_formula(stage, world);
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
