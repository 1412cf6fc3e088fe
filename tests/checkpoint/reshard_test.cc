// Universal checkpoints: a checkpoint saved by 4 ranks at ZeRO stage 3 loads onto 2 ranks at stage 1
// (and onto 3 ranks at stage 2, where shards are uneven, and 1 rank at stage 0). Compared:
//  - exactly: every layer's master weights, Adam exp_avg and exp_avg_sq, assembled from the new
//    ranks' held shards right after the load, equal those assembled from the 4 old ranks at the save;
//  - exactly: the 2-rank stage-1 continuation (steps 11-20) has the same losses as a 2-rank stage-1
//    world that loaded the same state from a checkpoint it saved itself (so the re-partitioned load
//    is indistinguishable from a native one);
//  - to fp32 rounding (relative 1e-5, engine_equivalence_test's bar): those losses and the 4-rank
//    stage-3 uninterrupted run's steps 11-20, which sum in a different order.
#include <gtest/gtest.h>

#include <cmath>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::checkpoint {
namespace {

using testing::WorldRun;

struct Saved {
  std::string dir;
  std::vector<std::vector<std::vector<float>>> state;  // [layer][kind]
  std::vector<double> losses;                          // uninterrupted, 20 steps
};

const Saved& saved_by_four_ranks_at_stage3() {
  static const Saved saved = [] {
    Saved s;
    s.dir = zl::testing::make_temp_dir("ckpt_reshard") + "/ckpt";
    WorldRun run;
    run.world_size = 4;
    run.stage = 3;
    run.end_step = 20;
    run.save_dir = s.dir;
    run.save_at = {10};
    run.capture_at = 10;
    const auto ranks = testing::run_world(run);
    for (const auto& r : ranks) EXPECT_EQ(r.error, "");
    s.state = testing::assemble(ranks, runtime::Gpt2Model(testing::test_model()).layer_sizes());
    s.losses = ranks[0].losses;
    return s;
  }();
  return saved;
}

struct Target {
  int world;
  int stage;
};

class Reshard : public ::testing::TestWithParam<Target> {};

TEST_P(Reshard, FullParametersAndOptimizerStatesEqualExactly) {
  const Saved& saved = saved_by_four_ranks_at_stage3();
  WorldRun run;
  run.world_size = GetParam().world;
  run.stage = GetParam().stage;
  run.load_from = resolve_checkpoint(saved.dir, "test");
  run.end_step = 10;  // no training: capture right after the load
  run.capture_at = 10;
  auto ranks = testing::run_world(run);
  for (const auto& r : ranks) ASSERT_EQ(r.error, "");
  if (run.stage == 0) ranks.resize(1);  // stage 0: every rank holds everything
  const auto loaded = testing::assemble(ranks, runtime::Gpt2Model(testing::test_model()).layer_sizes());
  ASSERT_EQ(loaded.size(), saved.state.size());
  for (std::size_t l = 0; l < loaded.size(); ++l) {
    ASSERT_EQ(loaded[l].size(), 3u) << "master, exp_avg, exp_avg_sq";
    for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(loaded[l][k], saved.state[l][k]) << "layer " << l << " kind " << k;
    EXPECT_EQ(ranks[0].final_parameters[l], saved.state[l][0]) << "gathered parameters of layer " << l;
  }
}

INSTANTIATE_TEST_SUITE_P(Worlds, Reshard, ::testing::Values(Target{2, 1}, Target{3, 2}, Target{1, 0}, Target{2, 3}),
                         [](const ::testing::TestParamInfo<Target>& p) {
                           return "world" + std::to_string(p.param.world) + "_stage" + std::to_string(p.param.stage);
                         });

TEST(Reshard, TwoRankStageOneContinuationMatchesANativeTwoRankCheckpoint) {
  const Saved& saved = saved_by_four_ranks_at_stage3();
  WorldRun resumed;
  resumed.world_size = 2;
  resumed.stage = 1;
  resumed.load_from = resolve_checkpoint(saved.dir, "test");
  resumed.end_step = 20;
  const auto a = testing::run_world(resumed);

  // The same state re-saved by 2 ranks at stage 1, then loaded from that native checkpoint.
  const std::string native = zl::testing::make_temp_dir("ckpt_native") + "/ckpt";
  WorldRun resave = resumed;
  resave.end_step = 10;
  resave.save_dir = native;
  resave.save_on_load = true;
  for (const auto& r : testing::run_world(resave)) ASSERT_EQ(r.error, "");
  WorldRun from_native = resumed;
  from_native.load_from = resolve_checkpoint(native, "test");
  const auto b = testing::run_world(from_native);

  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(a[r].error, "");
    ASSERT_EQ(b[r].error, "");
    ASSERT_EQ(a[r].losses.size(), 10u);
    EXPECT_EQ(a[r].losses, b[r].losses) << "rank " << r;
    EXPECT_EQ(a[r].final_parameters, b[r].final_parameters) << "rank " << r;
    for (std::size_t s = 0; s < 10; ++s) {
      EXPECT_NEAR(a[r].losses[s], saved.losses[s + 10], 1e-5 * std::fabs(saved.losses[s + 10])) << "step " << s + 11;
    }
  }
}

}  // namespace
}  // namespace zl::checkpoint
