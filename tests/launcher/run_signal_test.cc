// Signals and the launcher's death: SIGINT/SIGTERM to zlaunch reach every rank and end the run with
// 128+signal; a second SIGINT kills at once; a SIGKILLed launcher takes its ranks along within 2 s
// (PR_SET_PDEATHSIG). In every case no rank remains in the process table.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::rank_program;
using testing::zlaunch_binary;

class RunSignalTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_sig_");
  std::string pid_dir_ = dir_ + "/pids";
  void SetUp() override { std::filesystem::create_directories(pid_dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args);
  }
};

TEST_F(RunSignalTest, SigintReachesEveryRankAndEndsTheRun) {
  BackgroundProcess launcher(zlaunch({"-n", "3", rank_program(), "--pid-dir", pid_dir_, "--sleep", "60000"}), dir_);
  const auto pids = testing::read_pid_files(pid_dir_, 3, 20s);
  ASSERT_EQ(pids.size(), 3u) << launcher.err();
  launcher.signal(SIGINT);
  EXPECT_EQ(launcher.wait(20s), 128 + SIGINT) << launcher.err();
  EXPECT_NE(launcher.err().find("received SIGINT"), std::string::npos) << launcher.err();
  EXPECT_TRUE(testing::wait_all_gone(pids, 2s));
}

TEST_F(RunSignalTest, SigtermIsForwardedToo) {
  BackgroundProcess launcher(zlaunch({"-n", "2", rank_program(), "--pid-dir", pid_dir_, "--sleep", "60000"}), dir_);
  const auto pids = testing::read_pid_files(pid_dir_, 2, 20s);
  ASSERT_EQ(pids.size(), 2u) << launcher.err();
  launcher.signal(SIGTERM);
  EXPECT_EQ(launcher.wait(20s), 128 + SIGTERM) << launcher.err();
  EXPECT_TRUE(testing::wait_all_gone(pids, 2s));
}

TEST_F(RunSignalTest, SecondSigintKillsAtOnce) {
  BackgroundProcess launcher(zlaunch({"-n", "2", "--shutdown_timeout", "120", rank_program(), "--pid-dir", pid_dir_,
                                      "--ignore-int", "--sleep", "60000"}),
                             dir_);
  const auto pids = testing::read_pid_files(pid_dir_, 2, 20s);
  ASSERT_EQ(pids.size(), 2u) << launcher.err();
  launcher.signal(SIGINT);
  EXPECT_EQ(launcher.wait(300ms), -1) << "ranks ignore SIGINT: the launcher waits for the shutdown timeout";
  launcher.signal(SIGINT);
  EXPECT_EQ(launcher.wait(20s), 128 + SIGINT) << launcher.err();
  EXPECT_NE(launcher.err().find("second SIGINT"), std::string::npos) << launcher.err();
  EXPECT_TRUE(testing::wait_all_gone(pids, 2s));
}

TEST_F(RunSignalTest, KilledLauncherTakesItsRanksAlong) {
  BackgroundProcess launcher(zlaunch({"-n", "4", rank_program(), "--pid-dir", pid_dir_, "--sleep", "60000"}), dir_);
  const auto pids = testing::read_pid_files(pid_dir_, 4, 20s);
  ASSERT_EQ(pids.size(), 4u) << launcher.err();
  launcher.signal(SIGKILL);
  EXPECT_EQ(launcher.wait(5s), 128 + SIGKILL);
  EXPECT_TRUE(testing::wait_all_gone(pids, 2s)) << "ranks outlived a SIGKILLed launcher";
}

}  // namespace
}  // namespace zl
