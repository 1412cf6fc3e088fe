// `zlaunch run --device cuda` as a user runs it: one rank per GPU (docs/launcher.md "GPUs"). Without a
// usable GPU the launcher stops before any rank starts (exit 2, no rank log); --dry_run shows each
// rank's device; device: cpu leaves CUDA_VISIBLE_DEVICES alone. CUDA_VISIBLE_DEVICES="" hides every
// GPU, so the no-GPU cases hold on any machine; the cases that need GPUs skip without them.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "launch_support.h"
#include "subprocess.h"
#include "zl/device/accelerator_info.h"

namespace zl {
namespace {

using testing::lines_starting_with;
using testing::rank_program;
using testing::run_process;
using testing::zlaunch_binary;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class RunDeviceTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_device_");
  // CUDA_VISIBLE_DEVICES unset: every GPU visible, as for a user who never set it.
  testing::ProcessOptions options() const {
    return testing::isolated_launch_options(dir_, {"OMP_NUM_THREADS", "ZLAUNCH_CONFIG", "CUDA_VISIBLE_DEVICES"});
  }
  // CUDA_VISIBLE_DEVICES=value inherited by zlaunch, as a user's own setting.
  testing::ProcessOptions options_with_visible(const std::string& value) const {
    auto o = testing::isolated_launch_options(dir_, {"OMP_NUM_THREADS", "ZLAUNCH_CONFIG"});
    o.set_env["CUDA_VISIBLE_DEVICES"] = value;
    return o;
  }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

int visible_gpus() { return static_cast<int>(device::query_accelerators().gpus.size()); }

TEST_F(RunDeviceTest, CudaWithoutAGpuStopsBeforeAnyRankStarts) {
  const auto result =
      run_process(zlaunch({"--device", "cuda", "-n", "2", rank_program(), "--print-env"}), options_with_visible(""));
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_TRUE(contains(result.err, "no GPU is visible") || contains(result.err, "built without CUDA")) << result.err;
  EXPECT_TRUE(contains(result.err, "device: cpu")) << "the message names the fix: " << result.err;
  EXPECT_TRUE(lines_starting_with(result.out, "[0:").empty()) << "no rank ran: " << result.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/logs/r1/attempt_0")) << "no rank log file was created";
  EXPECT_FALSE(contains(result.err, "zlaunch: run r1:")) << "the launcher stopped before starting: " << result.err;
}

TEST_F(RunDeviceTest, MoreProcessesThanGpusStopsBeforeAnyRankStarts) {
  const int gpus = visible_gpus();
  if (gpus == 0) GTEST_SKIP() << "no GPU visible: this case needs at least one";
  const std::string n = std::to_string(gpus + 1);
  const auto result = run_process(zlaunch({"--device", "cuda", "-n", n, rank_program(), "--print-env"}), options());
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_TRUE(contains(result.err, n + " processes were asked for")) << result.err;
  EXPECT_TRUE(contains(result.err, "only " + std::to_string(gpus) + (gpus == 1 ? " GPU is" : " GPUs are") + " visible"))
      << result.err;
  EXPECT_TRUE(contains(result.err, "--num_processes " + std::to_string(gpus))) << result.err;
  EXPECT_TRUE(lines_starting_with(result.out, "[0:").empty()) << result.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/logs/r1/attempt_0"));
}

TEST_F(RunDeviceTest, EachRankGetsItsLocalDeviceAndAllGpusStayVisible) {
  const int gpus = visible_gpus();
  if (gpus == 0) GTEST_SKIP() << "no GPU visible: this case needs at least one";
  const auto result =
      run_process(zlaunch({"--device", "cuda", "-n", std::to_string(gpus), rank_program(), "--print-env"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto env = testing::printed_environments(result.out);
  ASSERT_EQ(env.size(), static_cast<std::size_t>(gpus)) << result.out;
  for (int rank = 0; rank < gpus; ++rank) {
    EXPECT_EQ(env.at(rank).at("ZLAUNCH_LOCAL_DEVICE"), env.at(rank).at("LOCAL_RANK"));
    EXPECT_EQ(env.at(rank).at("CUDA_VISIBLE_DEVICES"), "<unset>") << "not set by the user: not set by zlaunch";
  }
}

TEST_F(RunDeviceTest, DryRunShowsEachRanksDeviceWithTheUsersListKept) {
  const auto result =
      run_process(zlaunch({"--device", "cuda", "-n", "2", "--dry_run", "/bin/true"}), options_with_visible("2,3,5"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "device: cuda, one GPU per rank")) << result.out;
  EXPECT_TRUE(contains(result.out, "CUDA_VISIBLE_DEVICES=2,3,5 kept for every rank")) << result.out;
  EXPECT_TRUE(contains(result.out, "rank 0 (local 0, node 0)\n  device: cuda:0 (CUDA_VISIBLE_DEVICES entry 2)\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "rank 1 (local 1, node 0)\n  device: cuda:1 (CUDA_VISIBLE_DEVICES entry 3)\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "CUDA_VISIBLE_DEVICES=2,3,5 ")) << result.out;
  EXPECT_TRUE(contains(result.out, " LOCAL_RANK=1 ")) << result.out;
  EXPECT_TRUE(contains(result.out, "ZLAUNCH_LOCAL_DEVICE=1")) << result.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/logs/r1")) << "a dry run creates nothing";
}

TEST_F(RunDeviceTest, DryRunWithoutAGpuSaysTheRunWouldStop) {
  const auto result =
      run_process(zlaunch({"--device", "cuda", "-n", "2", "--dry_run", "/bin/true"}), options_with_visible(""));
  ASSERT_EQ(result.exit_code, 0) << "a dry run only reports: " << result.err;
  EXPECT_TRUE(contains(result.out, "0 visible here")) << result.out;
  EXPECT_TRUE(contains(result.out, "device: cuda:1\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "error: ")) << result.out;
  EXPECT_TRUE(contains(result.out, "no GPU is visible") || contains(result.out, "built without CUDA")) << result.out;
  EXPECT_TRUE(contains(result.out, "zlaunch run would stop here, exit 2")) << result.out;
}

TEST_F(RunDeviceTest, DryRunWithTheVariableUnsetLeavesItUnset) {
  const auto result = run_process(zlaunch({"--device", "cuda", "-n", "2", "--dry_run", "/bin/true"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "CUDA_VISIBLE_DEVICES not set (all GPUs visible)")) << result.out;
  EXPECT_FALSE(contains(result.out, "CUDA_VISIBLE_DEVICES=")) << result.out;
  EXPECT_TRUE(contains(result.out, "ZLAUNCH_LOCAL_DEVICE=0")) << result.out;
}

TEST_F(RunDeviceTest, DeviceCpuLeavesTheGpuVariablesAlone) {
  const auto result = run_process(zlaunch({"-n", "2", rank_program(), "--print-env"}), options_with_visible("7"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto env = testing::printed_environments(result.out);
  ASSERT_EQ(env.size(), 2u) << result.out;
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(env.at(rank).at("CUDA_VISIBLE_DEVICES"), "7") << "inherited unchanged";
    EXPECT_EQ(env.at(rank).at("ZLAUNCH_LOCAL_DEVICE"), "<unset>");
  }
  const auto dry = run_process(zlaunch({"-n", "1", "--dry_run", "/bin/true"}), options_with_visible("7"));
  EXPECT_TRUE(contains(dry.out, "device: cpu\n")) << dry.out;
  EXPECT_FALSE(contains(dry.out, "ZLAUNCH_LOCAL_DEVICE")) << dry.out;
}

}  // namespace
}  // namespace zl
