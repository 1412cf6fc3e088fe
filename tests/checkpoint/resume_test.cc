// Resuming is bit-identical: 2 ranks save at step 10 of 20 and a fresh world of 2 ranks resumes from
// that checkpoint; its losses for steps 11-20 and its final parameters equal the uninterrupted run's
// exactly (doubles compared with ==), at ZeRO stages 0, 1, 2 and 3. Exact equality is the right bar:
// the same world size and stage perform the same floating-point operations in the same order, and the
// checkpoint restores every bit of the state they depend on (master weights, Adam's m, v and step
// count; the scheduler and the sampler are functions of the step).
#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/checkpoint/checkpoint_directory.h"

namespace zl::checkpoint {
namespace {

namespace fs = std::filesystem;
using testing::WorldRun;

class ResumeAtStage : public ::testing::TestWithParam<int> {};

TEST_P(ResumeAtStage, LossesOfStepsElevenToTwentyAreBitIdentical) {
  const int stage = GetParam();
  const std::string dir = zl::testing::make_temp_dir("ckpt_resume") + "/ckpt";

  WorldRun full;
  full.stage = stage;
  full.end_step = 20;
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
      EXPECT_EQ(before[r].losses[s], uninterrupted[r].losses[s]) << "step " << s + 1;
      EXPECT_EQ(after[r].losses[s], uninterrupted[r].losses[s + 10]) << "rank " << r << " step " << s + 11;
    }
    ASSERT_EQ(after[r].final_parameters.size(), uninterrupted[r].final_parameters.size());
    for (std::size_t l = 0; l < after[r].final_parameters.size(); ++l) {
      EXPECT_EQ(after[r].final_parameters[l], uninterrupted[r].final_parameters[l]) << "layer " << l;
    }
  }
  EXPECT_LT(uninterrupted[0].losses.back(), uninterrupted[0].losses.front()) << "the run must learn";
}

INSTANTIATE_TEST_SUITE_P(Stages, ResumeAtStage, ::testing::Values(0, 1, 2, 3),
                         [](const ::testing::TestParamInfo<int>& p) { return "stage" + std::to_string(p.param); });

}  // namespace
}  // namespace zl::checkpoint
