// The save-and-resume experiment of the resume tests (resume_test.cc for fp32, mixed_resume_test.cc for
// bf16/fp16): one world trains to end_step uninterrupted; a second trains to kResumeStep and saves; a
// fresh third world loads that checkpoint and trains on to end_step. expect_resume_continues_exactly
// holds what every precision must reproduce bit for bit; each test adds the state its precision restores.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/checkpoint/checkpoint_directory.h"

namespace zl::checkpoint::testing {

inline constexpr int kResumeStep = 10;  // the interrupted world saves after this many steps

struct ResumeRuns {
  std::vector<RankRun> uninterrupted;  // steps 1..end_step
  std::vector<RankRun> before;         // steps 1..kResumeStep, saving after the last
  std::vector<RankRun> after;          // steps kResumeStep+1..end_step, resumed from that checkpoint
};

// Runs `full` (a fresh run that neither loads nor saves, end_step > kResumeStep) the three ways above;
// the checkpoint lives in a new temporary directory whose name starts with temp_prefix.
inline ResumeRuns run_interrupted_and_resumed(const WorldRun& full, const std::string& temp_prefix) {
  const std::string dir = zl::testing::make_temp_dir(temp_prefix) + "/ckpt";
  ResumeRuns runs;
  runs.uninterrupted = run_world(full);

  WorldRun first = full;
  first.end_step = kResumeStep;
  first.save_dir = dir;
  first.save_at = {kResumeStep};
  runs.before = run_world(first);

  WorldRun second = full;
  second.load_from = resolve_checkpoint(dir, "test");
  runs.after = run_world(second);
  return runs;
}

// Every rank of every run finished, and the resumed world's losses and final parameters equal the
// uninterrupted run's exactly. A fatal failure returns from here only: call it under
// ASSERT_NO_FATAL_FAILURE so that the test stops too.
inline void expect_resume_continues_exactly(const ResumeRuns& runs, const WorldRun& full) {
  const auto all_steps = static_cast<std::size_t>(full.end_step);
  const auto resumed_steps = static_cast<std::size_t>(full.end_step - kResumeStep);
  for (int r = 0; r < full.world_size; ++r) {
    const RankRun& uninterrupted = runs.uninterrupted[r];
    const RankRun& after = runs.after[r];
    ASSERT_EQ(uninterrupted.error, "");
    ASSERT_EQ(runs.before[r].error, "");
    ASSERT_EQ(after.error, "") << "rank " << r;
    ASSERT_EQ(uninterrupted.losses.size(), all_steps);
    ASSERT_EQ(after.losses.size(), resumed_steps);
    for (std::size_t s = 0; s < resumed_steps; ++s) {
      EXPECT_EQ(after.losses[s], uninterrupted.losses[s + kResumeStep])
          << "rank " << r << " step " << s + kResumeStep + 1;
    }
    ASSERT_EQ(after.final_parameters.size(), uninterrupted.final_parameters.size());
    for (std::size_t l = 0; l < after.final_parameters.size(); ++l) {
      EXPECT_EQ(after.final_parameters[l], uninterrupted.final_parameters[l]) << "layer " << l;
    }
  }
}

}  // namespace zl::checkpoint::testing
