// Resuming mixed-precision training is bit-identical (as resume_test.cc for fp32): 2 ranks at ZeRO
// stage 2 save at step 10 of 20 and a fresh world resumes; losses of steps 11-20, the loss scales they
// used, the skipped steps and the final parameters equal the uninterrupted run's exactly. bf16 checks
// the fp32 master weights and Adam states (the 16-bit working copy is re-derived from the master, so
// nothing else is needed); fp16 from a loss scale of 2^32 saves in the middle of the overflow phase, so
// the continuation is only identical when the loss scaler's scale, iteration, last overflow and
// hysteresis are restored from the manifest.
#include <gtest/gtest.h>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/checkpoint/checkpoint_directory.h"

namespace zl::checkpoint {
namespace {

using testing::WorldRun;

class MixedResume : public ::testing::TestWithParam<std::string> {};

TEST_P(MixedResume, StageTwoContinuesBitIdentically) {
  const std::string dir = zl::testing::make_temp_dir("ckpt_mixed_resume") + "/ckpt";
  WorldRun full;
  full.stage = 2;
  full.end_step = 20;
  full.precision = GetParam();
  full.initial_scale_power = 32;
  const auto uninterrupted = testing::run_world(full);

  WorldRun first = full;
  first.end_step = 10;
  first.save_dir = dir;
  first.save_at = {10};
  const auto before = testing::run_world(first);

  WorldRun second = full;
  second.load_from = resolve_checkpoint(dir, "test");
  const auto after = testing::run_world(second);

  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(uninterrupted[r].error, "");
    ASSERT_EQ(before[r].error, "");
    ASSERT_EQ(after[r].error, "") << "rank " << r;
    ASSERT_EQ(uninterrupted[r].losses.size(), 20u);
    ASSERT_EQ(after[r].losses.size(), 10u);
    for (std::size_t s = 0; s < 10; ++s) {
      EXPECT_EQ(after[r].losses[s], uninterrupted[r].losses[s + 10]) << "rank " << r << " step " << s + 11;
      EXPECT_EQ(after[r].loss_scales[s], uninterrupted[r].loss_scales[s + 10]) << "rank " << r << " step " << s + 11;
      EXPECT_EQ(after[r].skipped[s], uninterrupted[r].skipped[s + 10]) << "rank " << r << " step " << s + 11;
    }
    for (std::size_t l = 0; l < after[r].final_parameters.size(); ++l) {
      EXPECT_EQ(after[r].final_parameters[l], uninterrupted[r].final_parameters[l]) << "layer " << l;
    }
  }
  if (GetParam() == "fp16") {
    // The checkpoint falls inside the overflow phase, so the scaler's state matters for step 11.
    EXPECT_TRUE(uninterrupted[0].skipped.at(9));
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, MixedResume, ::testing::Values("bf16", "fp16"));

}  // namespace
}  // namespace zl::checkpoint
