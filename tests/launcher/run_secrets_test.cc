// The rendezvous store's secret is never on a command line, where ps shows it to every user of the
// machine: while a run is live, its token (read from a rank's environment) appears in no process's
// /proc/<pid>/cmdline — not zlaunch's, the rank guards', mpirun's, orted's or the ranks'. On one machine
// and under mpirun zlaunch makes the token up; launchers started by hand on several machines get the one
// the user exported. (tests/cluster checks the same across machines under srun and mpirun.)
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "launch_support.h"
#include "subprocess.h"
#include "zl/store/socket_io.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::rank_program;

class SecretsTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_secret_");
  void SetUp() override { ::unsetenv("ZLAUNCH_STORE_TOKEN"); }  // the launchers' own unless a test exports one
  void TearDown() override {
    ::unsetenv("ZLAUNCH_STORE_TOKEN");
    std::filesystem::remove_all(dir_);
  }
  std::string subdir(const std::string& name) const {
    const std::string d = dir_ + "/" + name;
    std::filesystem::create_directories(d);
    return d;
  }

  // Waits for a rank of run_id to hold its token, then reads every command line a few times while the
  // run goes on; returns the token ("" when no rank showed one within 30 s).
  static std::string expect_token_on_no_command_line(const std::string& run_id) {
    std::string token;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (token.empty() && std::chrono::steady_clock::now() < deadline) {
      token = testing::environment_value_in_run(run_id, "ZLAUNCH_STORE_TOKEN");
      if (token.empty()) std::this_thread::sleep_for(20ms);
    }
    if (token.empty()) {
      ADD_FAILURE() << "no rank of run " << run_id << " showed ZLAUNCH_STORE_TOKEN in its environment";
      return token;
    }
    int lines_read = 0;
    for (int round = 0; round < 5; ++round) {
      for (const auto& [pid, line] : testing::all_command_lines()) {
        ++lines_read;
        EXPECT_EQ(line.find(token), std::string::npos) << "pid " << pid << " shows the store's secret: " << line;
      }
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(lines_read, 10) << "the process table was read";
    return token;
  }
};

TEST_F(SecretsTest, OneMachineTheLaunchersOwnRandomToken) {
  BackgroundProcess run(testing::zlaunch_run_argv(dir_, {"-n", "2", rank_program(), "--sleep", "3000"}, "sec-local"),
                        subdir("o"));
  const std::string token = expect_token_on_no_command_line("sec-local");
  EXPECT_EQ(token.size(), 32u) << "128 random bits in hex";
  EXPECT_EQ(run.wait(60s), 0) << run.err();
}

TEST_F(SecretsTest, UnderMpirunTheTokenTravelsInItsEnvironment) {
  BackgroundProcess run(
      testing::zlaunch_run_argv(dir_, {"--launcher", "mpi", "-n", "2", rank_program(), "--sleep", "3000"}, "sec-mpi"),
      subdir("o"));
  const std::string token = expect_token_on_no_command_line("sec-mpi");
  EXPECT_EQ(token.size(), 32u);
  EXPECT_EQ(run.wait(60s), 0) << run.err();
}

TEST_F(SecretsTest, MachinesStartedByHandUseTheExportedSecret) {
  ::setenv("ZLAUNCH_STORE_TOKEN", "exported-by-the-user-9f3a", 1);
  const std::string port = std::to_string(store::net::free_tcp_port());
  auto machine = [&](int rank) {
    return testing::zlaunch_run_argv(subdir("m" + std::to_string(rank)),
                                     {"--num_machines", "2", "--machine_rank", std::to_string(rank),
                                      "--main_process_port", port, "-n", "4", rank_program(), "--sleep", "3000"},
                                     "sec-hand");
  };
  BackgroundProcess m0(machine(0), subdir("o0"));
  BackgroundProcess m1(machine(1), subdir("o1"));
  EXPECT_EQ(expect_token_on_no_command_line("sec-hand"), "exported-by-the-user-9f3a");
  EXPECT_EQ(m0.wait(60s), 0) << m0.err();
  EXPECT_EQ(m1.wait(60s), 0) << m1.err();
}

}  // namespace
}  // namespace zl
