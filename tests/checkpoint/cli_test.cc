// The checkpoint workflow as a user runs it: `zlaunch run ... train --checkpoint_dir D --save_every N`,
// `zlaunch checkpoint inspect D`, `zlaunch checkpoint consolidate D --out F`, `train --init_from F`
// (which scores the built-in task exactly as the distributed run's final model did), a second run
// resuming by itself, and the errors a user sees for a missing checkpoint, a damaged one, and flags
// that need --checkpoint_dir.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace zl::checkpoint {
namespace {

namespace fs = std::filesystem;
using zl::testing::run_process;

const char* kModel = "2,2,64,32,256";

class CheckpointCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = zl::testing::make_temp_dir("ckpt_cli"); }

  zl::testing::ProcessResult train_run(const std::vector<std::string>& train_args, int restarts = 0) {
    std::vector<std::string> argv = {zl::testing::zlaunch_binary(),
                                     "run",
                                     "-n",
                                     "2",
                                     "--zero_stage",
                                     "3",
                                     "--log_dir",
                                     dir_ + "/logs",
                                     "--max_restarts",
                                     std::to_string(restarts),
                                     zl::testing::train_binary(),
                                     "--model",
                                     kModel,
                                     "--threads",
                                     "1",
                                     "--eval_batches",
                                     "2"};
    argv.insert(argv.end(), train_args.begin(), train_args.end());
    zl::testing::ProcessOptions options;
    options.timeout = std::chrono::seconds(240);
    options.working_directory = dir_;
    return run_process(argv, options);
  }

  static std::string accuracy_line(const std::string& out) {
    const auto at = out.find("exact-match accuracy");
    if (at == std::string::npos) return "";
    return out.substr(at, out.find(" held-out", at) - at);
  }

  std::string dir_;
};

TEST_F(CheckpointCli, SaveInspectConsolidateInitFromAndResume) {
  const std::string ckpt = dir_ + "/ckpt";
  const auto first = train_run({"--steps", "6", "--save_every", "3", "--checkpoint_dir", ckpt});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("no checkpoint in " + ckpt + " yet; starting fresh"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(ckpt + "/step_00000003/manifest.json"));
  EXPECT_TRUE(fs::exists(ckpt + "/step_00000006/manifest.json"));

  const auto inspect = run_process({zl::testing::zlaunch_binary(), "checkpoint", "inspect", ckpt});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.out << inspect.err;
  for (const char* part : {"step 6, world size 2, ZeRO stage 3", "master F32", "AdamW", "rank_00001.bin",
                           "all files verified", "h.1.mlp.c_fc.weight"}) {
    EXPECT_NE(inspect.out.find(part), std::string::npos) << part << "\n" << inspect.out;
  }

  const std::string model = dir_ + "/hf/model.safetensors";
  fs::create_directories(dir_ + "/hf");
  const auto consolidate = run_process(
      {zl::testing::zlaunch_binary(), "checkpoint", "consolidate", ckpt, "--out", model, "--dtype", "fp32"});
  ASSERT_EQ(consolidate.exit_code, 0) << consolidate.err;
  EXPECT_TRUE(fs::exists(dir_ + "/hf/config.json"));

  const auto eval = run_process(
      {zl::testing::train_binary(), "--model", kModel, "--init_from", model, "--eval_only", "--threads", "1"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  ASSERT_NE(accuracy_line(first.out), "") << first.out;
  EXPECT_EQ(accuracy_line(eval.out), accuracy_line(first.out)) << "the consolidated weights are the trained weights";

  const auto second = train_run({"--steps", "8", "--checkpoint_dir", ckpt});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("resumed from " + ckpt + "/step_00000006: 6 steps done"), std::string::npos) << second.out;
  EXPECT_TRUE(fs::exists(ckpt + "/step_00000008/manifest.json")) << "a final checkpoint at the end";
}

TEST_F(CheckpointCli, ErrorsNameThePathAndExitTwo) {
  const auto missing = run_process({zl::testing::zlaunch_binary(), "checkpoint", "inspect", dir_ + "/nothing"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find(dir_ + "/nothing"), std::string::npos) << missing.err;

  fs::create_directories(dir_ + "/empty");
  const auto no_latest = train_run({"--steps", "2", "--resume", dir_ + "/empty"});
  EXPECT_NE(no_latest.exit_code, 0);
  EXPECT_NE(no_latest.err.find("--resume " + dir_ + "/empty"), std::string::npos) << no_latest.err;

  const auto needs_dir = run_process({zl::testing::train_binary(), "--model", kModel, "--save_every", "2"});
  EXPECT_EQ(needs_dir.exit_code, 2);
  EXPECT_NE(needs_dir.err.find("--save_every needs --checkpoint_dir"), std::string::npos) << needs_dir.err;

  const std::string ckpt = dir_ + "/ckpt";
  ASSERT_EQ(train_run({"--steps", "2", "--checkpoint_dir", ckpt}).exit_code, 0);
  {
    std::fstream f(ckpt + "/step_00000002/rank_00000.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.put('\x7f');
  }
  const auto corrupt = run_process({zl::testing::zlaunch_binary(), "checkpoint", "inspect", ckpt});
  EXPECT_EQ(corrupt.exit_code, 2);
  EXPECT_NE(corrupt.out.find("rank_00000.bin"), std::string::npos);
  EXPECT_NE(corrupt.out.find("checksum mismatch"), std::string::npos) << corrupt.out;
  const auto consolidate =
      run_process({zl::testing::zlaunch_binary(), "checkpoint", "consolidate", ckpt, "--out", dir_ + "/x.safetensors"});
  EXPECT_EQ(consolidate.exit_code, 2);
  EXPECT_NE(consolidate.err.find(ckpt + "/step_00000002/rank_00000.bin"), std::string::npos) << consolidate.err;
}

}  // namespace
}  // namespace zl::checkpoint
