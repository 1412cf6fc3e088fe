// Damaged or mismatched checkpoints fail with a zl::ConfigError that names the file and what is wrong,
// on every rank (none is left waiting in a collective): a flipped byte in a shard (checksum), a
// truncated shard, an edited manifest, a manifest that is not JSON, another model's checkpoint, and a
// checkpoint of another run configuration. `inspect` reports the damaged file too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_io.h"
#include "zl/checkpoint/file_io.h"
#include "zl/checkpoint/inspect.h"

namespace zl::checkpoint {
namespace {

namespace fs = std::filesystem;
using testing::WorldRun;

// A pristine 2-rank stage-1 checkpoint at step 3, copied fresh for each test.
class Corruption : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pristine_ = new std::string(zl::testing::make_temp_dir("ckpt_pristine") + "/ckpt");
    WorldRun run;
    run.stage = 1;
    run.end_step = 3;
    run.save_dir = *pristine_;
    run.save_at = {3};
    for (const auto& r : testing::run_world(run)) ASSERT_EQ(r.error, "");
  }
  void SetUp() override {
    dir_ = zl::testing::make_temp_dir("ckpt_corrupt") + "/step_00000003";
    fs::copy(*pristine_ + "/step_00000003", dir_, fs::copy_options::recursive);
  }

  // Loads dir_ on `world` ranks; every rank must fail, and the errors mentioning a file must contain
  // each of `expected`. Returns the errors.
  std::vector<std::string> load_fails(int world, int stage, const std::vector<std::string>& expected,
                                      const config::ModelSpec& model = {}, double lr = 3e-3) {
    WorldRun run;
    run.world_size = world;
    run.stage = stage;
    run.load_from = dir_;
    run.end_step = 3;
    run.model = model;
    run.lr = lr;
    const auto ranks = testing::run_world(run);
    std::vector<std::string> errors;
    bool named = false;
    for (const auto& r : ranks) {
      EXPECT_NE(r.error, "") << "every rank fails";
      errors.push_back(r.error);
      bool all = true;
      for (const auto& e : expected) all = all && r.error.find(e) != std::string::npos;
      named = named || all;
    }
    EXPECT_TRUE(named) << "no rank's error contains every expected part; first: " << errors.front();
    return errors;
  }

  void flip_byte(const std::string& path, std::uint64_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
  }

  static std::string* pristine_;
  std::string dir_;
};

std::string* Corruption::pristine_ = nullptr;

TEST_F(Corruption, PristineCopyLoads) {
  WorldRun run;
  run.load_from = dir_;
  run.end_step = 3;
  for (const auto& r : testing::run_world(run)) EXPECT_EQ(r.error, "");
}

TEST_F(Corruption, FlippedByteIsAChecksumMismatchNamingTheShard) {
  flip_byte(dir_ + "/rank_00001.bin", 1000);
  load_fails(1, 0, {dir_ + "/rank_00001.bin", "checksum mismatch"});
  load_fails(2, 2, {dir_ + "/rank_00001.bin", "checksum mismatch"});
  std::ostringstream report;
  EXPECT_FALSE(inspect_checkpoint(dir_, report));
  EXPECT_NE(report.str().find("rank_00001.bin"), std::string::npos);
  EXPECT_NE(report.str().find("FAILED"), std::string::npos) << report.str();
}

// Whichever rank ends first, the launcher's failure report reads its error: so every rank says which
// rank found the damage and in which file, and exits 2 (a bad input), not 1 naming another rank.
TEST_F(Corruption, EveryRankNamesTheRankAndTheFileThatFailedAndExitsTwo) {
  flip_byte(dir_ + "/rank_00001.bin", 1000);
  WorldRun run;
  run.world_size = 2;
  run.stage = 1;
  run.load_from = dir_;
  run.end_step = 3;
  for (const auto& r : testing::run_world(run)) {
    EXPECT_NE(r.error.find("could not be loaded: rank "), std::string::npos) << r.error;
    EXPECT_NE(r.error.find(dir_ + "/rank_00001.bin"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("checksum mismatch"), std::string::npos) << r.error;
    EXPECT_EQ(r.exit_code, 2) << r.error;
  }
}

TEST_F(Corruption, TruncatedShardNamesTheFile) {
  fs::resize_file(dir_ + "/rank_00000.bin", fs::file_size(dir_ + "/rank_00000.bin") - 7);
  load_fails(1, 0, {dir_ + "/rank_00000.bin", "truncated"});
}

TEST_F(Corruption, EditedManifestIsDetected) {
  std::string text = read_text_file(dir_ + "/manifest.json");
  const auto at = text.find("\"step\": 3");
  ASSERT_NE(at, std::string::npos) << text.substr(0, 400);
  text.replace(at, 9, "\"step\": 4");
  std::ofstream(dir_ + "/manifest.json", std::ios::trunc) << text;
  load_fails(2, 1, {dir_ + "/manifest.json", "modified"});
}

TEST_F(Corruption, ManifestThatIsNotJsonNamesTheFile) {
  fs::resize_file(dir_ + "/manifest.json", 100);
  load_fails(1, 0, {dir_ + "/manifest.json", "not valid JSON"});
}

TEST_F(Corruption, AnotherModelIsAMismatchNamingBothShapes) {
  const config::ModelSpec other{"custom", 2, 2, 32, 32, 256};
  load_fails(1, 0, {dir_ + "/manifest.json", "2,2,64,32,256", "2,2,32,32,256"}, other);
}

TEST_F(Corruption, AnotherConfigurationListsWhatDiffers) {
  load_fails(2, 1, {dir_ + "/manifest.json", "optimizer.lr"}, {}, 1e-3);
}

}  // namespace
}  // namespace zl::checkpoint
