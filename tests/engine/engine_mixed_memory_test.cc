// Mixed precision (bf16) model-state bytes per rank, as the accounting allocator counts them after the
// first step, equal the ZeRO paper's formulas with K = 12 exactly, padding included: 2 bytes of 16-bit
// parameters (2 Psi, or 2 Psi/N at stage 3 except the persistent layers), 2 of 16-bit gradients (2 Psi,
// or 2 Psi/N at stages 2-3), 4 of fp32 master weights and 8 of Adam's fp32 states (12 Psi at stage 0,
// 12 Psi/N at stages 1-3). Every transient fp32 copy (widened working parameters, staged gradients,
// the optimizer's fp32 gradients) is gone after the step: fixed buffers are empty.
#include <gtest/gtest.h>

#include "world_harness.h"
#include "zero_formulas.h"
#include "zl/runtime/allocator.h"

namespace zl::engine {
namespace {

using runtime::MemoryKind;

testing::StateBytes mixed_formula(int stage, int world) {
  return testing::zero_state_bytes(stage, world, testing::kMixedWidths);
}

class EngineMixedMemory : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(EngineMixedMemory, ModelStateBytesEqualTheMixedPrecisionZeroFormulas) {
  const auto [stage, world] = GetParam();
  testing::WorldConfig config{world, stage, 1, 12, 1, false};
  config.precision = "bf16";
  const auto records = testing::run_world(config);
  const testing::StateBytes e = mixed_formula(stage, world);
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "");
    ASSERT_FALSE(records[r].skipped.at(0));
    const auto& m = records[r].memory_after_first_step;
    EXPECT_EQ(m.current_bytes(MemoryKind::kParams), e.params) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kGrads), e.grads) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kMaster), e.master) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer), e.optimizer) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kBuffers), 0) << "rank " << r;
  }
  if (stage >= 1) {
    // K = 12: master weights and optimizer states together shrink by the world size.
    EXPECT_LT(e.master + e.optimizer, mixed_formula(0, 1).master / world * 3 + 12 * world * 8);
  }
}

INSTANTIATE_TEST_SUITE_P(StagesAndWorlds, EngineMixedMemory,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(1, 2, 4)));

}  // namespace
}  // namespace zl::engine
