// Crash safety with real processes: `zlaunch run -n 2` trains with --save_every 3 while the test-only
// fault point ZL_CHECKPOINT_FAULT=after_shard_write makes rank 1 SIGKILL itself in the middle of the
// save of step 6 (its shard is written, the manifest is not; docs/checkpoints.md). Then
//  - `latest` still names step 3, no step_00000006 exists, and step 3 verifies and loads;
//  - with --max_restarts 1 the restarted group (the fault fires in attempt 0 only) resumes from step 3
//    by itself (--resume auto) and its losses for steps 4-9 equal an uninterrupted run's exactly.
// And a damaged checkpoint under the launcher: zlaunch's report names the rank that found the damage
// and the file, and exits 2, whichever rank ended first.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "subprocess.h"
#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/checkpoint/checkpoint_reader.h"
#include "zl/checkpoint/file_io.h"

namespace zl::checkpoint {
namespace {

namespace fs = std::filesystem;
using zl::testing::run_process;

class CrashDuringSave : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = zl::testing::make_temp_dir("ckpt_crash"); }

  zl::testing::ProcessResult train(const std::string& name, bool fault, int restarts, const char* fault_step = "6") {
    std::vector<std::string> argv = {zl::testing::zlaunch_binary(),
                                     "run",
                                     "-n",
                                     "2",
                                     "--zero_stage",
                                     "2",
                                     "--log_dir",
                                     dir_ + "/logs",
                                     "--max_restarts",
                                     std::to_string(restarts),
                                     "--shutdown_timeout",
                                     "5",
                                     zl::testing::train_binary(),
                                     "--model",
                                     "2,2,64,32,256",
                                     "--threads",
                                     "1",
                                     "--eval_batches",
                                     "1",
                                     "--steps",
                                     "9",
                                     "--save_every",
                                     "3",
                                     "--checkpoint_dir",
                                     dir_ + "/" + name,
                                     "--log_json",
                                     dir_ + "/" + name + ".jsonl"};
    zl::testing::ProcessOptions options;
    options.timeout = std::chrono::seconds(240);
    options.working_directory = dir_;
    if (fault) {
      options.set_env = {{"ZL_CHECKPOINT_FAULT", "after_shard_write"}, {"ZL_CHECKPOINT_FAULT_STEP", fault_step}};
    }
    return run_process(argv, options);
  }

  std::map<int, double> losses(const std::string& name) {
    std::map<int, double> out;
    std::ifstream in(dir_ + "/" + name + ".jsonl");
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      out[j.at("step").get<int>()] = j.at("loss").get<double>();
    }
    return out;
  }

  std::string dir_;
};

TEST_F(CrashDuringSave, ADamagedShardIsReportedWithItsRankAndFileAndExitTwo) {
  const auto trained = train("damaged", false, 0);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const std::string shard = dir_ + "/damaged/step_00000009/rank_00001.bin";
  {
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(1000);
    const char byte = static_cast<char>(f.get() ^ 0x10);
    f.seekp(1000);
    f.put(byte);
  }
  const auto resumed = train("damaged", false, 0);
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find("rank 1: " + shard), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("checksum mismatch"), std::string::npos) << resumed.err;
}

TEST_F(CrashDuringSave, LatestStillNamesThePreviousCompleteCheckpoint) {
  const auto crashed = train("killed", true, 0);
  ASSERT_NE(crashed.exit_code, 0) << crashed.out;
  EXPECT_NE(crashed.err.find("SIGKILL"), std::string::npos) << crashed.err;
  const std::string ckpt = dir_ + "/killed";
  EXPECT_EQ(read_text_file(ckpt + "/latest"), "step_00000003\n");
  EXPECT_FALSE(fs::exists(ckpt + "/step_00000006"));
  EXPECT_TRUE(fs::exists(ckpt + "/.tmp.step_00000006/rank_00001.bin")) << "the killed save's temporary remains";
  EXPECT_FALSE(fs::exists(ckpt + "/.tmp.step_00000006/manifest.json"));

  CheckpointReader reader(resolve_checkpoint(ckpt, "test"));
  EXPECT_EQ(reader.manifest().step, 3);
  for (int r = 0; r < reader.manifest().world_size; ++r) EXPECT_NO_THROW(reader.verify_file(r));

  // And it loads: a plain rerun resumes from it and finishes, removing the stale temporary.
  const auto rerun = train("killed", false, 0);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_NE(rerun.out.find("resumed from " + ckpt + "/step_00000003"), std::string::npos) << rerun.out;
  EXPECT_FALSE(fs::exists(ckpt + "/.tmp.step_00000006"));
  EXPECT_EQ(read_text_file(ckpt + "/latest"), "step_00000009\n");
}

// A crashed save's temporary (here another step's, as a full disk or a SIGKILL leaves it) goes before the
// next save writes anything, not only once a save publishes: on a nearly full disk every save would
// otherwise fail for the space it holds. Here the very first save is killed, so no save publishes.
TEST_F(CrashDuringSave, StaleTemporariesGoBeforeTheNextSaveWrites) {
  const std::string ckpt = dir_ + "/stale";
  fs::create_directories(ckpt + "/.tmp.step_00000099");
  std::ofstream(ckpt + "/.tmp.step_00000099/rank_00000.bin") << std::string(1 << 20, 'x');
  fs::create_directories(ckpt + "/.old.step_00000042");
  const auto crashed = train("stale", true, 0, "3");
  ASSERT_NE(crashed.exit_code, 0) << crashed.out;
  EXPECT_FALSE(fs::exists(ckpt + "/latest")) << "no save published";
  EXPECT_FALSE(fs::exists(ckpt + "/.tmp.step_00000099"));
  EXPECT_FALSE(fs::exists(ckpt + "/.old.step_00000042"));
  EXPECT_TRUE(fs::exists(ckpt + "/.tmp.step_00000003/rank_00001.bin")) << "the killed save's own temporary";
}

TEST_F(CrashDuringSave, RestartedGroupResumesByItselfWithIdenticalLosses) {
  const auto reference = train("reference", false, 0);
  ASSERT_EQ(reference.exit_code, 0) << reference.out << reference.err;
  const auto restarted = train("restarted", true, 1);
  ASSERT_EQ(restarted.exit_code, 0) << restarted.out << restarted.err;
  EXPECT_NE(restarted.err.find("attempt 1"), std::string::npos) << restarted.err;
  EXPECT_NE(restarted.out.find("resumed from " + dir_ + "/restarted/step_00000003"), std::string::npos)
      << restarted.out;

  const auto want = losses("reference");
  const auto got = losses("restarted");  // attempt 1 appended steps 4-9 after attempt 0's; its rows win
  ASSERT_EQ(want.size(), 9u);
  for (int step = 4; step <= 9; ++step) {
    ASSERT_TRUE(got.count(step)) << "step " << step;
    EXPECT_EQ(got.at(step), want.at(step)) << "step " << step;
  }
  EXPECT_EQ(read_text_file(dir_ + "/restarted/latest"), "step_00000009\n");
}

}  // namespace
}  // namespace zl::checkpoint
