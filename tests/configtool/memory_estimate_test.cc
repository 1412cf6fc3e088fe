// ZeRO memory formulas: the paper's Table 1 (7.5B parameters, K = 12, N = 4), fp32 bytes, per-layer
// padding, offload, buffers, and the note when a higher stage costs more than a lower one.
#include "zl/config/memory_estimate.h"

#include <gtest/gtest.h>

#include "zl/base/error.h"
#include "zl/config/model_spec.h"

namespace zl::config {
namespace {

MemoryEstimateRequest table1(int stage) {
  MemoryEstimateRequest r;
  r.layer_parameters = {7500000000LL};
  r.world_size = 4;
  r.zero.stage = stage;
  r.precision = Precision::kFp16;
  return r;
}

TEST(MemoryEstimate, ReproducesZeroPaperTableOne) {
  // ZeRO paper Table 1, Psi = 7.5B, K = 12, N = 4: 120 / 52.5 / 41.25 / 30 GB (decimal).
  const std::int64_t expected[4] = {120000000000LL, 52500000000LL, 41250000000LL, 30000000000LL};
  for (int stage = 0; stage < 4; ++stage) {
    EXPECT_EQ(estimate_memory(table1(stage)).model_state_bytes(), expected[stage]) << "stage " << stage;
  }
  EXPECT_EQ(format_bytes(expected[2]), "41.25 GB");
  const MemoryEstimate s2 = estimate_memory(table1(2));
  EXPECT_EQ(s2.params_bytes, 15000000000LL);     // 2 Psi
  EXPECT_EQ(s2.grads_bytes, 3750000000LL);       // 2 Psi / 4
  EXPECT_EQ(s2.optimizer_bytes, 15000000000LL);  // 8 Psi / 4
  EXPECT_EQ(s2.master_bytes, 7500000000LL);      // 4 Psi / 4
}

TEST(MemoryEstimate, Fp32UsesFourFourEightBytes) {
  MemoryEstimateRequest r;
  r.layer_parameters = {1000};
  r.world_size = 2;
  r.zero.stage = 0;
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 16000);
  r.zero.stage = 1;
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 4000 + 4000 + 4000);
  r.zero.stage = 3;
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 8000);
  EXPECT_EQ(estimate_memory(r).master_bytes, 0);
}

TEST(MemoryEstimate, EachLayerIsPaddedToAMultipleOfTheWorldSize) {
  const ModelSpec tiny = parse_model_spec("tiny", "test");
  MemoryEstimateRequest r;
  r.layer_parameters = tiny.layer_parameter_counts();
  r.world_size = 3;
  r.zero.stage = 3;
  r.zero.stage3_param_persistence_threshold = 0;
  std::int64_t padded = 0;
  for (const auto n : r.layer_parameters) padded += (n + 2) / 3 * 3;
  const MemoryEstimate e = estimate_memory(r);
  EXPECT_EQ(e.parameters, tiny.parameter_count());
  EXPECT_EQ(e.padded_parameters, padded);
  EXPECT_GT(padded, tiny.parameter_count());
  EXPECT_EQ(e.params_bytes, padded / 3 * 4);
  EXPECT_EQ(e.model_state_bytes(), padded / 3 * 16);
}

TEST(MemoryEstimate, OffloadMovesStatesToHostMemory) {
  MemoryEstimateRequest r = table1(3);
  r.zero.offload_optimizer.device = OffloadDevice::kCpu;
  r.zero.offload_param.device = OffloadDevice::kCpu;
  const MemoryEstimate e = estimate_memory(r);
  EXPECT_EQ(e.optimizer_bytes + e.master_bytes + e.params_bytes, 0);
  EXPECT_EQ(e.grads_bytes, 3750000000LL);
  EXPECT_EQ(e.offloaded_bytes, 22500000000LL + 3750000000LL);
  r.zero.stage = 2;
  EXPECT_THROW(estimate_memory(r), ConfigError);  // offload_param below stage 3
}

TEST(MemoryEstimate, BuffersAreCountedAndARegressionIsExplained) {
  MemoryEstimateRequest r;
  r.layer_parameters = {1000000};
  r.world_size = 4;
  r.zero.reduce_bucket_size = 500000000;  // capped at the model: 1e6 elements
  std::vector<MemoryEstimate> by_stage;
  for (int stage = 0; stage < 4; ++stage) {
    r.zero.stage = stage;
    r.zero.overlap_comm = stage == 3;
    by_stage.push_back(estimate_memory(r));
  }
  EXPECT_EQ(by_stage[2].reduce_bucket_bytes, 4000000);
  EXPECT_EQ(by_stage[3].reduce_bucket_bytes, 8000000);
  EXPECT_EQ(by_stage[3].prefetch_bucket_bytes, 4000000);
  const auto notes = memory_regressions(by_stage);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("stage 3 needs MORE memory per rank than stage 2"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("prefetch bucket"), std::string::npos) << notes[0];
}

}  // namespace
}  // namespace zl::config
