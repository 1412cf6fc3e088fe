// External launchers: `--launcher mpi` runs the job under a real mpirun (4 ranks, identity from
// OMPI_COMM_WORLD_*, per-rank logs from --tag-output, the failing rank's exit code, a rank that never
// announces its start named after --rdzv_timeout, a hung rank named from its own progress reports); `--launcher
// slurm`'s srun command line and environment through --dry_run (tests/cluster runs it on a real Slurm).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

using testing::rank_program;
using testing::read_file;
using testing::run_process;
using testing::zlaunch_binary;

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

class ExternalLauncherTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_ext_");
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args);
  }
  testing::ProcessOptions options() const { return testing::isolated_launch_options(dir_); }
};

TEST_F(ExternalLauncherTest, MpiRunsFourRanksWithTheirIdentityAndLogs) {
  const auto result =
      run_process(zlaunch({"--launcher", "mpi", "-n", "4", rank_program(), "--print-env", "--store-check"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (int rank = 0; rank < 4; ++rank) {
    const std::string r = std::to_string(rank);
    EXPECT_NE(result.out.find("[0:" + r + "] IDENTITY=" + r + "/4 local " + r + "/4 node 0 from openmpi"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("[0:" + r + "] WORLD_SIZE=4"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("[0:" + r + "] store ok: from " + std::to_string((rank + 1) % 4)), std::string::npos);
    EXPECT_NE(read_file(dir_ + "/logs/r1/attempt_0/rank_" + r + ".out").find("IDENTITY=" + r + "/4"),
              std::string::npos);
  }
}

TEST_F(ExternalLauncherTest, MpiFailureExitCodeAndRankAreReported) {
  const auto result = run_process(zlaunch({"--launcher", "mpi", "-n", "4", rank_program(), "--segv", "2"}), options());
  EXPECT_EQ(result.exit_code, 139) << result.err;
  EXPECT_NE(result.err.find("root cause: rank 2"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("fatal signal SIGSEGV"), std::string::npos) << "the error file is found: " << result.err;
}

// Ranks 0-2 announce their start as the runtime's rendezvous does; rank 3 hangs before it (its node stuck
// starting the program). --rdzv_timeout after the spawn, the launcher ends the attempt naming rank 3 and
// its node, with the infrastructure exit code, long before the others' 60 s are up.
TEST_F(ExternalLauncherTest, MpiRankThatNeverStartsIsNamedAfterTheRendezvousTimeout) {
  const auto result = run_process(zlaunch({"--launcher", "mpi", "-n", "4", "--rdzv_timeout", "3", rank_program(),
                                           "--hang", "3", "--announce-start", "--sleep", "60000"}),
                                  options());
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("root cause: node 0 (host " + host_name() +
                            ", rank(s) 3): never started within --rdzv_timeout (3 s)"),
            std::string::npos)
      << result.err;
  const std::string attempts = read_file(dir_ + "/logs/r1/attempts.jsonl");
  EXPECT_NE(attempts.find("\"outcome\":\"not_started\""), std::string::npos) << attempts;
}

// A program that never announces its start (not built on the runtime) is not watched: it may take longer
// than --rdzv_timeout to get going.
TEST_F(ExternalLauncherTest, MpiProgramThatAnnouncesNothingIsNotWatched) {
  const auto result = run_process(
      zlaunch({"--launcher", "mpi", "-n", "2", "--rdzv_timeout", "1", rank_program(), "--sleep", "2500"}), options());
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

// Hang detection under mpirun judges each rank by its own progress reports: rank 2 stops at step 3 "in"
// all_reduce while the others go on, and it is the one named (not rank 0, whose record stands for
// mpirun's process).
TEST_F(ExternalLauncherTest, MpiHungRankIsNamedFromItsOwnProgress) {
  const auto result = run_process(zlaunch({"--launcher", "mpi", "-n", "4", "--hang_timeout", "2", "--shutdown_timeout",
                                           "1", rank_program(), "--progress-hang", "2", "--sleep", "60000"}),
                                  options());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("zlaunch: rank 2 is hung"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("last step 3, waiting in all_reduce"), std::string::npos) << result.err;
}

// Ranks that report progress but print nothing are not hung, however quiet mpirun's output is.
TEST_F(ExternalLauncherTest, MpiQuietRanksThatReportProgressAreNotHung) {
  const auto result = run_process(
      zlaunch({"--launcher", "mpi", "-n", "2", "--hang_timeout", "1", rank_program(), "--sleep", "3000"}), options());
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST_F(ExternalLauncherTest, MpiDryRunShowsTheMpirunCommand) {
  const auto result = run_process(zlaunch({"--launcher", "mpi", "-n", "4", "--dry_run", "/bin/true"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("command: mpirun -np 4 --oversubscribe --tag-output"), std::string::npos) << result.out;
  // Names on the command line, values in mpirun's environment (shown on the env line, the secret masked).
  EXPECT_NE(result.out.find("-x WORLD_SIZE -x ZLAUNCH_ATTEMPT"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" -x ZLAUNCH_STORE_TOKEN "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" /bin/true\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("env (set for mpirun, which passes it to every rank): "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" WORLD_SIZE=4"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" ZLAUNCH_STORE_TOKEN=<secret>"), std::string::npos) << result.out;
}

TEST_F(ExternalLauncherTest, MpiUsesTheHostfile) {
  { std::ofstream(dir_ + "/hosts") << "# two machines\nnode-a slots=2\nnode-b slots=2\n"; }
  const auto result = run_process(
      zlaunch({"--launcher", "mpi", "-n", "4", "--hostfile", dir_ + "/hosts", "--dry_run", "/bin/true"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("--hostfile " + dir_ + "/hosts"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("pml ob1"), std::string::npos) << "shared-memory settings are for one machine only";
}

TEST_F(ExternalLauncherTest, MalformedHostfileExitsTwoNamingTheLine) {
  { std::ofstream(dir_ + "/hosts") << "node-a slots=2\nnode-b slots=two\n"; }
  const auto result = run_process(
      zlaunch({"--launcher", "mpi", "-n", "4", "--hostfile", dir_ + "/hosts", "--dry_run", "/bin/true"}), options());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(dir_ + "/hosts:2"), std::string::npos) << result.err;
}

TEST_F(ExternalLauncherTest, SlurmDryRunShowsTheSrunCommand) {
  testing::ProcessOptions with_token = options();
  with_token.set_env["ZLAUNCH_STORE_TOKEN"] = "tok-secret";
  const auto result = run_process(zlaunch({"--launcher", "slurm", "-n", "8", "--num_machines", "2", "--run_id", "s1",
                                           "--main_process_ip", "10.9.8.7", "--dry_run", "/bin/echo", "a b"}),
                                  with_token);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Nothing but srun's own options on the command line: the rank contract is srun's environment.
  EXPECT_NE(result.out.find("command: srun --ntasks=8 --nodes=2 --ntasks-per-node=4 --kill-on-bad-exit=1 --label "
                            "--export=ALL /bin/echo 'a b'\n"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("env (set for srun, which passes it to every rank): "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" LOCAL_WORLD_SIZE=4 "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" ZLAUNCH_RUN_ID=s1 "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" ZLAUNCH_STORE=10.9.8.7:29500 "), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("tok-secret"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace zl
