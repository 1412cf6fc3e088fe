// Resuming mixed-precision training is bit-identical (as resume_test.cc for fp32): 2 ranks at ZeRO
// stage 2 save at step 10 of 20 and a fresh world resumes; losses of steps 11-20, the loss scales they
// used, the skipped steps and the final parameters equal the uninterrupted run's exactly. bf16 checks
// the fp32 master weights and Adam states (the 16-bit working copy is re-derived from the master, so
// nothing else is needed); fp16 from a loss scale of 2^32 saves in the middle of the overflow phase, so
// the continuation is only identical when the loss scaler's scale, iteration, last overflow and
// hysteresis are restored from the manifest.
#include <gtest/gtest.h>

#include "resume_support.h"

namespace zl::checkpoint {
namespace {

using testing::kResumeStep;
using testing::WorldRun;

class MixedResume : public ::testing::TestWithParam<std::string> {};

TEST_P(MixedResume, StageTwoContinuesBitIdentically) {
  WorldRun full;
  full.stage = 2;
  full.end_step = 20;
  full.precision = GetParam();
  full.initial_scale_power = 32;
  const auto runs = testing::run_interrupted_and_resumed(full, "ckpt_mixed_resume");
  ASSERT_NO_FATAL_FAILURE(testing::expect_resume_continues_exactly(runs, full));

  for (int r = 0; r < full.world_size; ++r) {
    const auto& uninterrupted = runs.uninterrupted[r];
    const auto& after = runs.after[r];
    for (std::size_t s = 0; s < after.losses.size(); ++s) {
      EXPECT_EQ(after.loss_scales[s], uninterrupted.loss_scales[s + kResumeStep])
          << "rank " << r << " step " << s + kResumeStep + 1;
      EXPECT_EQ(after.skipped[s], uninterrupted.skipped[s + kResumeStep])
          << "rank " << r << " step " << s + kResumeStep + 1;
    }
  }
  if (GetParam() == "fp16") {
    // The checkpoint falls inside the overflow phase, so the scaler's state matters for step 11.
    EXPECT_TRUE(runs.uninterrupted[0].skipped.at(kResumeStep - 1));
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, MixedResume, ::testing::Values("bf16", "fp16"));

}  // namespace
}  // namespace zl::checkpoint
