// The `train` program's progress lines (runtime/train/progress.h) after a resume: the ETA extrapolates
// from the steps this process took, not from the training's step count, the first step of the process
// is printed, and the final line's steps say which steps ran here. Plain lines (stdout is captured, not
// a terminal), with elapsed times chosen so the ETA is exact.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "progress.h"

namespace zl::train {
namespace {

std::string printed(const std::function<void(Progress&)>& use, std::int64_t first, std::int64_t total, int every,
                    bool bar = false) {
  ::testing::internal::CaptureStdout();
  Progress progress(first, total, every, "", bar);
  use(progress);
  return ::testing::internal::GetCapturedStdout();
}

TEST(TrainProgress, EtaAfterAResumeCountsOnlyTheStepsOfThisProcess) {
  // Resumed at step 40 of 100: 10 steps in 10 s here, so 50 more take 50 s (not 10 s, as if the 50
  // steps done had taken those 10 s).
  const std::string out = printed([](Progress& p) { p.update(50, 1.0, 1e-3, 0.5, 1000, 10.0); }, 40, 100, 10);
  EXPECT_NE(out.find("step 50/100 "), std::string::npos) << out;
  EXPECT_NE(out.find(" elapsed 10.0s eta 50s\n"), std::string::npos) << out;
}

TEST(TrainProgress, EtaOfAFreshRunCountsFromStepZero) {
  const std::string out = printed([](Progress& p) { p.update(20, 1.0, 1e-3, 0.5, 1000, 4.0); }, 0, 100, 10);
  EXPECT_NE(out.find(" elapsed 4.0s eta 16s\n"), std::string::npos) << out;
}

TEST(TrainProgress, FirstStepOfTheProcessIsPrinted) {
  const std::string out = printed(
      [](Progress& p) {
        p.update(41, 1.0, 1e-3, 0.5, 1000, 2.0);
        p.update(42, 1.0, 1e-3, 0.5, 1000, 4.0);
      },
      40, 100, 10);
  EXPECT_NE(out.find("step 41/100 "), std::string::npos) << out;
  EXPECT_NE(out.find(" elapsed 2.0s eta 118s\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("step 42/100 "), std::string::npos) << out;
}

// The bar asked for (a terminal, or zlaunch run's terminal console): every step redraws one line with
// '\r', whatever steps_per_print says, and finish() ends it.
TEST(TrainProgress, TheBarRedrawsOneLineEveryStep) {
  const std::string out = printed(
      [](Progress& p) {
        for (int step = 1; step <= 3; ++step) p.update(step, 1.0, 1e-3, 0.5, 1000, step * 1.0);
        p.finish();
      },
      0, 3, 10, true);
  EXPECT_EQ(out.rfind("\rstep 1/3 [", 0), 0u) << out;
  EXPECT_NE(out.find("\rstep 2/3 ["), std::string::npos) << out;
  EXPECT_NE(out.find("\rstep 3/3 [########################]"), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line, ended once: " << out;
}

TEST(TrainProgress, StepsSummarySaysWhichStepsRanHere) {
  EXPECT_EQ(Progress(0, 100, 10, "", false).steps_summary(), "100 steps");
  EXPECT_EQ(Progress(40, 100, 10, "", false).steps_summary(), "steps 41..100 (60 this run)");
  EXPECT_EQ(Progress(100, 100, 10, "", false).steps_summary(), "0 steps (resumed at step 100)");
}

}  // namespace
}  // namespace zl::train
