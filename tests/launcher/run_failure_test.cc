// Failures under `zlaunch run`: a rank's exit code becomes zlaunch's, a crash is reported with its
// signal and the backtrace from the rank's error file, the rest of the group is torn down (SIGKILL
// after --shutdown_timeout for ranks that ignore SIGTERM) and nothing of the job stays behind,
// restarts count attempts, and a hung rank is named and stopped.
#include <gtest/gtest.h>

#include <filesystem>

#include "launch_support.h"
#include "subprocess.h"
#include "zl/store/socket_io.h"

namespace zl {
namespace {

using testing::rank_program;
using testing::read_file;
using testing::run_process;
using testing::zlaunch_binary;

class RunFailureTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_fail_");
  testing::ProcessOptions options() const { return testing::isolated_launch_options(dir_); }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args);
  }
  std::string pid_dir() const {
    const std::string d = dir_ + "/pids";
    std::filesystem::create_directories(d);
    return d;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

TEST_F(RunFailureTest, RankExitCodeBecomesZlaunchsAndTheRestIsTornDown) {
  const auto result = run_process(zlaunch({"-n", "4", "--shutdown_timeout", "5", rank_program(), "--pid-dir", pid_dir(),
                                           "--wait-pids", "4", "--exit", "2:7", "--sleep", "60000"}),
                                  options());
  EXPECT_EQ(result.exit_code, 7) << result.err;
  EXPECT_FALSE(result.timed_out);
  EXPECT_NE(result.err.find("root cause: rank 2 (local rank 2, node 0"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("exited with code 7"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("rank 2 exiting with 7 on purpose"), std::string::npos) << "the stderr tail is shown";
  EXPECT_NE(result.err.find("(stopped by zlaunch)"), std::string::npos) << result.err;
  const auto pids = testing::read_pid_files(pid_dir(), 4, std::chrono::seconds(1));
  ASSERT_EQ(pids.size(), 4u);
  EXPECT_TRUE(testing::wait_all_gone(pids, std::chrono::seconds(2))) << "a rank outlived its launcher";
}

TEST_F(RunFailureTest, RanksIgnoringSigtermAreKilledAfterTheShutdownTimeout) {
  // --ignore-term comes before --pid-dir (the rank program acts on its flags in order): once all three
  // pid files exist, every rank already ignores SIGTERM, whenever rank 0 exits.
  const auto result =
      run_process(zlaunch({"-n", "3", "--shutdown_timeout", "0.5", rank_program(), "--ignore-term", "--pid-dir",
                           pid_dir(), "--wait-pids", "3", "--grandchild", "--exit", "0:5", "--sleep", "60000"}),
                  options());
  EXPECT_EQ(result.exit_code, 5) << result.err;
  EXPECT_FALSE(result.timed_out);
  EXPECT_NE(result.err.find("killed by SIGKILL (stopped by zlaunch)"), std::string::npos) << result.err;
  EXPECT_TRUE(
      testing::wait_all_gone(testing::read_pid_files(pid_dir(), 3, std::chrono::seconds(1)), std::chrono::seconds(2)));
}

TEST_F(RunFailureTest, SegfaultExits139NamingTheSignalWithABacktrace) {
  const auto result = run_process(zlaunch({"-n", "2", rank_program(), "--segv", "1", "--sleep", "60000"}), options());
  EXPECT_EQ(result.exit_code, 139) << result.err;
  EXPECT_NE(result.err.find("root cause: rank 1"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("killed by SIGSEGV"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("message: fatal signal SIGSEGV"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("backtrace:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("zl_test_rank_program"), std::string::npos) << "frames name the program: " << result.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/logs/r1/attempt_0/rank_1.error.json"));
}

TEST_F(RunFailureTest, UncaughtExceptionIsReportedWithItsMessage) {
  const auto result = run_process(zlaunch({"-n", "2", rank_program(), "--throw", "0", "--sleep", "60000"}), options());
  EXPECT_EQ(result.exit_code, 134) << result.err;  // std::terminate -> abort
  EXPECT_NE(result.err.find("root cause: rank 0"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("uncaught exception: rank program failed on purpose"), std::string::npos) << result.err;
}

TEST_F(RunFailureTest, FailureInAttemptZeroThenSuccessWithOneRestart) {
  const auto result = run_process(
      zlaunch({"-n", "2", "--max_restarts", "1", rank_program(), "--print-env", "--exit", "1:3:0"}), options());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("attempt 0"), std::string::npos) << "attempt 0's failure is reported";
  EXPECT_NE(result.err.find("restarting the whole group: attempt 1"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("[0:1] ZLAUNCH_ATTEMPT=1"), std::string::npos) << result.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/logs/r1/attempt_0/rank_1.out"));
  EXPECT_NE(read_file(dir_ + "/logs/r1/attempt_1/rank_1.out").find("ZLAUNCH_ATTEMPT=1"), std::string::npos);
}

TEST_F(RunFailureTest, RestartsAreBoundedByMaxRestarts) {
  const auto result =
      run_process(zlaunch({"-n", "2", "--max_restarts", "2", rank_program(), "--exit", "0:4"}), options());
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/logs/r1/attempt_2"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/logs/r1/attempt_3"));
}

TEST_F(RunFailureTest, HungRankIsReportedWithItsLastStepAndCollective) {
  const auto result =
      run_process(zlaunch({"-n", "2", "--hang_timeout", "1", "--monitor_interval", "0.1", "--shutdown_timeout", "1",
                           rank_program(), "--progress-hang", "1", "--sleep", "60000"}),
                  options());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_FALSE(result.timed_out);
  EXPECT_NE(result.err.find("rank 1 is hung"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("last step 3, waiting in all_reduce"), std::string::npos) << result.err;
}

TEST_F(RunFailureTest, SilentRankWithoutReportsCountsAsHung) {
  const auto result = run_process(
      zlaunch({"-n", "2", "--hang_timeout", "0.5", "--shutdown_timeout", "1", rank_program(), "--hang", "0"}),
      options());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("rank 0 is hung"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no progress report"), std::string::npos) << result.err;
}

TEST_F(RunFailureTest, StorePortInUseExitsThreeNamingThePort) {
  const auto busy = store::net::listen_tcp("127.0.0.1", 0);
  const std::string port = std::to_string(store::net::local_port(busy.get()));
  const auto result = run_process(zlaunch({"-n", "2", "--main_process_port", port, "/bin/true"}), options());
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("port " + port), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("0 for a free port"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace zl
