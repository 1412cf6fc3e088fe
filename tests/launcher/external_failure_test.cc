// The failing rank and host as srun's and mpirun's own lines name them (the lines as Slurm 22.05 and
// OpenMPI 4.1 print them), and the waitpid status of srun's reasons.
#include "zl/launcher/external_failure.h"

#include <gtest/gtest.h>

#include <csignal>

namespace zl::launcher {
namespace {

TEST(ExternalFailure, SrunNamesTheTaskAndItsNode) {
  const auto failure =
      find_srun_failure({"srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
                         "srun: error: zlnode2: task 3: Killed", "srun: error: zlnode1: tasks 0-1: Terminated"});
  EXPECT_EQ(failure.rank, 3);
  EXPECT_EQ(failure.host, "zlnode2");
  EXPECT_EQ(failure.reason, "Killed");
}

TEST(ExternalFailure, SrunPrefersTheRankKilledByASignalOverItsPeersErrors) {
  // Rank 3 was SIGKILLed; rank 2's collective failed on the reset connection and exited first.
  const auto failure =
      find_srun_failure({"srun: error: zl153n2: task 2: Exited with exit code 1",
                         "srun: launch/slurm: _step_signal: Terminating StepId=2.0",
                         "srun: error: zl153n2: task 3: Killed", "srun: error: zl153n1: tasks 0-1: Terminated"});
  EXPECT_EQ(failure.rank, 3);
  EXPECT_EQ(failure.reason, "Killed");
}

TEST(ExternalFailure, SrunTaskRangesAndExitCodes) {
  const auto failure = find_srun_failure({"srun: error: node-7: tasks 12-15,18: Exited with exit code 3"});
  EXPECT_EQ(failure.rank, 12);
  EXPECT_EQ(failure.host, "node-7");
  EXPECT_EQ(failure.reason, "Exited with exit code 3");
  EXPECT_EQ(status_from_srun_reason(failure.reason, -1), 3 << 8);
  EXPECT_EQ(status_from_srun_reason("Killed", -1), SIGKILL);
  EXPECT_EQ(status_from_srun_reason("Segmentation fault", -1), SIGSEGV);
  EXPECT_EQ(status_from_srun_reason("something else", 77), 77);
}

TEST(ExternalFailure, SrunNodeFailuresNameTheNodeButNoRank) {
  auto failure = find_srun_failure({"srun: error: Node failure on zlnode2", "srun: error: zlnode1: task 0: Killed"});
  EXPECT_EQ(failure.rank, 0) << "a task killed by a signal of its own wins";
  // Slurm 22.05 ending a job for a node whose slurmd died: srun's lines as zlaunch reads them.
  failure = find_srun_failure({"srun: error: Node failure on zl189n2",
                               "srun: Job step aborted: Waiting up to 4 seconds for job step to finish.",
                               "srun: forcing job termination", "srun: error: zl189n1: tasks 0-1: Terminated",
                               "srun: launch/slurm: _step_signal: Terminating StepId=1.0"});
  EXPECT_EQ(failure.rank, -1) << "the tasks Slurm terminated for the lost node are not the cause";
  EXPECT_EQ(failure.host, "zl189n2");
  EXPECT_EQ(failure.reason, "Node failure");
  failure = find_srun_failure(
      {"srun: error: zlnode1: task 1: Exited with exit code 1", "srun: error: Node failure on zlnode2"});
  EXPECT_EQ(failure.host, "zlnode2") << "a lost node explains its peers' errors";
  failure = find_srun_failure({"srun: error: Node failure on zlnode2", "srun: Force Terminated StepId=5.0"});
  EXPECT_EQ(failure.rank, -1);
  EXPECT_EQ(failure.host, "zlnode2");
  failure = find_srun_failure(
      {"srun: error: Task launch for StepId=7.0 failed on node zlnode3: Communication connection failure"});
  EXPECT_EQ(failure.host, "zlnode3");
  EXPECT_EQ(failure.rank, -1);
  EXPECT_EQ(find_srun_failure({"srun: error: Unable to create step for job 9: Invalid node name"}).host, "");
}

TEST(ExternalFailure, SrunTerminatedTasksComeLast) {
  const auto failure = find_srun_failure(
      {"srun: error: zlnode1: tasks 0-1: Terminated", "srun: error: zlnode2: task 2: Exited with exit code 3"});
  EXPECT_EQ(failure.rank, 2) << "an error exit explains more than a task srun stopped";
  EXPECT_EQ(find_srun_failure({"srun: error: zlnode1: tasks 0-1: Terminated"}).rank, 0);
}

TEST(ExternalFailure, MpirunNamesTheRankAndNode) {
  auto failure = find_mpirun_failure({"Primary job  terminated normally, but 1 process returned",
                                      "mpirun noticed that process rank 2 with PID 0 on node 10.201.7.2 exited on "
                                      "signal 9 (Killed)."});
  EXPECT_EQ(failure.rank, 2);
  EXPECT_EQ(failure.host, "10.201.7.2");
  EXPECT_EQ(failure.reason, "exited on signal 9 (Killed).");
  failure = find_mpirun_failure({"  Process name: [[4242,1],3]", "  Exit code:    5"});
  EXPECT_EQ(failure.rank, 3);
  EXPECT_EQ(failure.host, "");
  EXPECT_EQ(find_mpirun_failure({"nothing here"}).rank, -1);
}

}  // namespace
}  // namespace zl::launcher
