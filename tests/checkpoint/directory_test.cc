// The checkpoint directory after saves: step_NNNNNNNN directories with a manifest and one shard per
// rank, `latest` naming the newest, no temporaries left, --keep_last pruning only older checkpoints,
// and --resume resolution (auto with and without checkpoints, a step directory, a checkpoint
// directory, a path with no `latest`).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/checkpoint/file_io.h"

namespace zl::checkpoint {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CheckpointDirectory, KeepLastPrunesOlderCheckpointsAfterPublishing) {
  const std::string dir = zl::testing::make_temp_dir("ckpt_dir") + "/ckpt";
  testing::WorldRun run;
  run.world_size = 3;
  run.stage = 2;
  run.end_step = 5;
  run.save_dir = dir;
  run.save_at = {1, 2, 3, 4, 5};
  run.keep_last = 2;
  const auto ranks = testing::run_world(run);
  for (const auto& r : ranks) ASSERT_EQ(r.error, "");
  EXPECT_EQ(entries(dir), (std::vector<std::string>{"latest", "step_00000004", "step_00000005"}));
  EXPECT_EQ(read_text_file(dir + "/latest"), "step_00000005\n");
  EXPECT_EQ(entries(dir + "/step_00000005"),
            (std::vector<std::string>{"manifest.json", "rank_00000.bin", "rank_00001.bin", "rank_00002.bin"}));
}

TEST(CheckpointDirectory, ResumeResolution) {
  const std::string root = zl::testing::make_temp_dir("ckpt_resolve");
  const std::string dir = root + "/ckpt";
  EXPECT_EQ(resolve_resume("auto", dir), std::nullopt) << "auto without checkpoints starts fresh";
  EXPECT_EQ(resolve_resume("", dir), std::nullopt);
  testing::WorldRun run;
  run.end_step = 2;
  run.save_dir = dir;
  run.save_at = {1, 2};
  for (const auto& r : testing::run_world(run)) ASSERT_EQ(r.error, "");
  EXPECT_EQ(resolve_resume("auto", dir), dir + "/step_00000002");
  EXPECT_EQ(resolve_resume(dir, dir), dir + "/step_00000002");
  EXPECT_EQ(resolve_resume(dir + "/step_00000001", dir), dir + "/step_00000001");

  fs::create_directories(root + "/empty");
  try {
    (void)resolve_resume(root + "/empty", dir);
    FAIL() << "a directory without `latest` is not a checkpoint";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(root + "/empty"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("latest"), std::string::npos) << e.what();
  }
  try {
    (void)resolve_resume(root + "/missing", dir);
    FAIL() << "a missing path";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(root + "/missing"), std::string::npos) << e.what();
  }
  // `latest` naming a deleted step directory.
  fs::remove_all(dir + "/step_00000002");
  try {
    (void)resolve_resume("auto", dir);
    FAIL() << "latest names a deleted checkpoint";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/latest"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zl::checkpoint
