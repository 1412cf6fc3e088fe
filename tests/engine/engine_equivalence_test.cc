// The central correctness test (DESIGN.md §4 Determinism): the same config, seed and global batch
// trained for 20 steps at ZeRO stages 0-3 with 1, 2 and 4 ranks (and with accumulation, and with
// overlapped communication) gives the same losses and the same final parameters as stage 0 on one rank.
// Tolerance: fp32 summation order differs between world sizes and stages, so losses agree to a relative
// 1e-5 and gradient norms (more sensitive: a sum of squares over every parameter) to 1e-3. Parameters agree to 1e-4
// absolute: Adam divides each gradient by its running RMS, so a rounding-level difference in a near-zero gradient can
// move a parameter by a fraction of the learning rate (3e-3) per step; 1e-4 after 20 steps is well under one step's
// update, while any real divergence (a wrong shard, a missing reduction) moves parameters by many steps' worth.
#include <gtest/gtest.h>

#include <cmath>

#include "world_harness.h"

namespace zl::engine {
namespace {

using testing::RankRecord;
using testing::WorldConfig;

const std::vector<RankRecord>& reference() {
  static const std::vector<RankRecord> records = testing::run_world(WorldConfig{1, 0, 20, 12, 1, false});
  return records;
}

void expect_same_training(const std::vector<RankRecord>& records, const std::string& what) {
  const RankRecord& ref = reference().at(0);
  ASSERT_EQ(ref.error, "");
  ASSERT_EQ(ref.losses.size(), 20u);
  EXPECT_LT(ref.losses.back(), ref.losses.front()) << "the reference run must learn";
  for (std::size_t r = 0; r < records.size(); ++r) {
    const RankRecord& rec = records[r];
    ASSERT_EQ(rec.error, "") << what << " rank " << r;
    ASSERT_EQ(rec.losses.size(), ref.losses.size());
    for (std::size_t s = 0; s < ref.losses.size(); ++s) {
      EXPECT_NEAR(rec.losses[s], ref.losses[s], 1e-5 * std::fabs(ref.losses[s]))
          << what << " rank " << r << " step " << s + 1;
      EXPECT_NEAR(rec.grad_norms[s], ref.grad_norms[s], 1e-3 * ref.grad_norms[s])
          << what << " rank " << r << " step " << s + 1;
    }
    ASSERT_EQ(rec.final_parameters.size(), ref.final_parameters.size());
    for (std::size_t l = 0; l < ref.final_parameters.size(); ++l) {
      ASSERT_EQ(rec.final_parameters[l].size(), ref.final_parameters[l].size());
      double worst = 0;
      for (std::size_t i = 0; i < ref.final_parameters[l].size(); ++i) {
        worst =
            std::max(worst, static_cast<double>(std::fabs(rec.final_parameters[l][i] - ref.final_parameters[l][i])));
      }
      EXPECT_LE(worst, 1e-4) << what << " rank " << r << " layer " << l;
    }
  }
}

struct Case {
  int world;
  int stage;
  int accumulation;
  bool overlap;
};

class EngineEquivalence : public ::testing::TestWithParam<Case> {};

TEST_P(EngineEquivalence, SameLossesAndParametersAsStageZeroOnOneRank) {
  const Case c = GetParam();
  const auto records = testing::run_world(WorldConfig{c.world, c.stage, 20, 12, c.accumulation, c.overlap});
  expect_same_training(records, "stage " + std::to_string(c.stage) + " x" + std::to_string(c.world) + " acc " +
                                    std::to_string(c.accumulation) + (c.overlap ? " overlap" : ""));
}

INSTANTIATE_TEST_SUITE_P(
    StagesAndWorlds, EngineEquivalence,
    ::testing::Values(Case{1, 1, 1, false}, Case{1, 2, 1, false}, Case{1, 3, 1, false}, Case{2, 0, 1, false},
                      Case{2, 1, 1, false}, Case{2, 2, 1, false}, Case{2, 3, 1, false}, Case{4, 0, 1, false},
                      Case{4, 1, 1, false}, Case{4, 2, 1, false}, Case{4, 3, 1, false}, Case{2, 0, 2, false},
                      Case{2, 1, 2, false}, Case{2, 2, 2, false}, Case{2, 3, 2, false}, Case{3, 0, 1, false},
                      Case{3, 1, 1, false}, Case{3, 2, 1, false}, Case{3, 3, 1, false}, Case{4, 2, 1, true},
                      Case{4, 3, 1, true}, Case{3, 3, 2, true}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      return "world" + std::to_string(param_info.param.world) + "_stage" + std::to_string(param_info.param.stage) +
             "_acc" + std::to_string(param_info.param.accumulation) + (param_info.param.overlap ? "_overlap" : "");
    });

}  // namespace
}  // namespace zl::engine
