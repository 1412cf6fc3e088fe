// Signals and the launcher's death: SIGINT/SIGTERM to zlaunch reach every rank and end the run with
// 128+signal; a second SIGINT kills at once; a SIGKILLed launcher takes its ranks along within 2 s,
// with everything they started, even what left their process group (zlaunch-rank-guard). In every
// case no rank remains in the process table. What a rank leaves behind when it exits is stopped
// before zlaunch exits (SIGTERM, then SIGKILL), and the guard between launcher and rank shows in
// neither the rank's exit status nor its reported pid.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <string>

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
  // `sh -c SCRIPT` as every rank's program, with $PIDS the pid directory.
  std::vector<std::string> zlaunch_sh(const std::vector<std::string>& args, const std::string& script) const {
    std::vector<std::string> argv = zlaunch(args);
    argv.insert(argv.end(), {"sh", "-c", "PIDS=" + pid_dir_ + "; " + script});
    return argv;
  }
  // Whether every pid is gone within `timeout`; the ones that are not get SIGKILL, so that a failing
  // test leaves nothing behind.
  static bool gone_within(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout) {
    if (testing::wait_all_gone(pids, timeout)) return true;
    for (const pid_t pid : pids) {
      if (!testing::process_gone(pid)) ::kill(pid, SIGKILL);
    }
    return false;
  }
  // Two ranks run SCRIPT, which starts a `sleep 60` and writes its pid; then the launcher is SIGKILLed,
  // and every sleep (`what`, for the message) must be gone within 2 s.
  void expect_sigkill_of_the_launcher_ends(const std::string& script, const std::string& what) const {
    BackgroundProcess launcher(zlaunch_sh({"-n", "2"}, script), dir_);
    const auto sleeps = testing::read_pid_files(pid_dir_, 2, 20s);
    ASSERT_EQ(sleeps.size(), 2u) << launcher.err();
    launcher.signal(SIGKILL);
    EXPECT_EQ(launcher.wait(5s), 128 + SIGKILL);
    EXPECT_TRUE(gone_within(sleeps, 2s)) << what << " outlived a SIGKILLed launcher";
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

TEST_F(RunSignalTest, KilledLauncherTakesWhatRanksStartedAlong) {
  expect_sigkill_of_the_launcher_ends("sleep 60 & echo $! > $PIDS/rank_$RANK.pid; wait", "a rank's child");
}

TEST_F(RunSignalTest, KilledLauncherTakesAlongWhatLeftTheRanksProcessGroup) {
  // setsid(1), not a group leader here, calls setsid() and execs sleep in the same process.
  expect_sigkill_of_the_launcher_ends("setsid sleep 60 & echo $! > $PIDS/rank_$RANK.pid; wait",
                                      "a process in a session of its own");
}

TEST_F(RunSignalTest, WhatAFinishedRankLeftBehindIsStoppedBeforeZlaunchExits) {
  // In a session of its own: out of reach of a signal to the rank's process group.
  const auto result = testing::run_process(zlaunch_sh({"-n", "2"}, "setsid sleep 60 & echo $! > $PIDS/rank_$RANK.pid"),
                                           testing::isolated_launch_options(dir_));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto sleeps = testing::read_pid_files(pid_dir_, 2, 1s);
  ASSERT_EQ(sleeps.size(), 2u) << result.err;
  EXPECT_TRUE(gone_within(sleeps, 2s)) << "a finished rank's leftover outlived zlaunch";
}

TEST_F(RunSignalTest, LeftoverIgnoringSigtermIsKilledAfterTheGrace) {
  const auto result =
      testing::run_process(zlaunch_sh({"-n", "1"}, "trap '' TERM; setsid sleep 60 & echo $! > $PIDS/rank_$RANK.pid"),
                           testing::isolated_launch_options(dir_));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto sleeps = testing::read_pid_files(pid_dir_, 1, 1s);
  ASSERT_EQ(sleeps.size(), 1u) << result.err;
  EXPECT_TRUE(gone_within(sleeps, 2s)) << "a leftover ignoring SIGTERM outlived zlaunch";
}

TEST_F(RunSignalTest, RankKilledByASignalIsReportedWithThatSignal) {
  const auto result =
      testing::run_process(zlaunch_sh({"-n", "1"}, "kill -SEGV $$"), testing::isolated_launch_options(dir_));
  EXPECT_EQ(result.exit_code, 128 + SIGSEGV) << result.err;
  EXPECT_NE(result.err.find("killed by SIGSEGV"), std::string::npos) << result.err;
}

TEST_F(RunSignalTest, FailureReportNamesTheRanksOwnPid) {
  const auto result = testing::run_process(zlaunch_sh({"-n", "1"}, "echo $$ > $PIDS/rank_$RANK.pid; exit 3"),
                                           testing::isolated_launch_options(dir_));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  const auto pids = testing::read_pid_files(pid_dir_, 1, 1s);
  ASSERT_EQ(pids.size(), 1u) << result.err;
  EXPECT_NE(result.err.find("pid " + std::to_string(pids[0]) + ")"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace zl
