// Resuming is bit-identical: 2 ranks save at step 10 of 20 and a fresh world of 2 ranks resumes from
// that checkpoint; its losses for steps 11-20 and its final parameters equal the uninterrupted run's
// exactly (doubles compared with ==), at ZeRO stages 0, 1, 2 and 3. Exact equality is the right bar:
// the same world size and stage perform the same floating-point operations in the same order, and the
// checkpoint restores every bit of the state they depend on (master weights, Adam's m, v and step
// count; the scheduler and the sampler are functions of the step).
#include <gtest/gtest.h>

#include "resume_support.h"

namespace zl::checkpoint {
namespace {

using testing::kResumeStep;
using testing::WorldRun;

class ResumeAtStage : public ::testing::TestWithParam<int> {};

TEST_P(ResumeAtStage, LossesOfStepsElevenToTwentyAreBitIdentical) {
  WorldRun full;
  full.stage = GetParam();
  full.end_step = 20;
  const auto runs = testing::run_interrupted_and_resumed(full, "ckpt_resume");
  ASSERT_NO_FATAL_FAILURE(testing::expect_resume_continues_exactly(runs, full));

  for (int r = 0; r < full.world_size; ++r) {
    for (std::size_t s = 0; s < kResumeStep; ++s) {
      EXPECT_EQ(runs.before[r].losses[s], runs.uninterrupted[r].losses[s]) << "step " << s + 1;
    }
  }
  EXPECT_LT(runs.uninterrupted[0].losses.back(), runs.uninterrupted[0].losses.front()) << "the run must learn";
}

INSTANTIATE_TEST_SUITE_P(Stages, ResumeAtStage, ::testing::Values(0, 1, 2, 3),
                         [](const ::testing::TestParamInfo<int>& p) { return "stage" + std::to_string(p.param); });

}  // namespace
}  // namespace zl::checkpoint
