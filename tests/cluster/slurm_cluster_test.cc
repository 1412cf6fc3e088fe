// The throw-away Slurm cluster itself (slurm_cluster.sh through SlurmCluster): a two-node batch job runs
// two tasks on each node with the ranks and hostnames Slurm promises, and scancel leaves no process of a
// step behind, children of tasks included; a cluster whose owner died is stopped by the next start. Skips, saying why,
// where no cluster can be made (not root, no namespaces, Slurm not installed).
#include "slurm_cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using testing::SlurmCluster;

class SlurmClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cluster_.start(2);
    if (!why.empty()) GTEST_SKIP() << why;
  }

  SlurmCluster cluster_;
};

// The job id `sbatch --parsable` printed ("ID" or "ID;CLUSTER").
std::string job_id(const std::string& parsable) { return parsable.substr(0, parsable.find_first_of(";\n")); }

// The lines of `srun --label` output ("TASK: TEXT"), by task, in the order each task printed them.
std::map<int, std::vector<std::string>> lines_by_task(const std::string& out) {
  std::map<int, std::vector<std::string>> tasks;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos || colon == 0 || line.find_first_not_of("0123456789 ") < colon) continue;
    tasks[std::stoi(line.substr(0, colon))].push_back(line.substr(colon + 2));
  }
  return tasks;
}

// Processes whose command line starts with one of `prefixes` (every process on the machine: the nodes
// share its PID space).
std::vector<std::string> processes_starting_with(const std::vector<std::string>& prefixes) {
  std::vector<std::string> found;
  for (const auto& [pid, line] : testing::all_command_lines()) {
    for (const std::string& prefix : prefixes) {
      if (line.rfind(prefix, 0) == 0) found.push_back(std::to_string(pid) + " " + line);
    }
  }
  return found;
}

bool wait_for_process_count(const std::vector<std::string>& prefixes, std::size_t count,
                            std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (processes_starting_with(prefixes).size() != count) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

TEST_F(SlurmClusterTest, BatchJobRunsTwoTasksOnEachNode) {
  const std::string output = cluster_.dir() + "/hostname_job.out";
  const auto submit =
      cluster_.slurm({"sbatch", "--parsable", "-N", "2", "--ntasks-per-node=2", "--output=" + output, "--wrap",
                      "srun --label hostname; srun --label printenv SLURM_PROCID SLURM_NODEID SLURM_LOCALID"});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  const testing::JobEnd end = cluster_.wait_for_job(job_id(submit.out), 60s);
  ASSERT_EQ(end.state, "COMPLETED") << end.exit_code << "\n" << testing::read_file(output);

  const std::string out = testing::read_file(output);
  const auto tasks = lines_by_task(out);
  ASSERT_EQ(tasks.size(), 4U) << out;
  // Block distribution: tasks 0-1 on the first node, 2-3 on the second. Each task printed its hostname
  // (the first step), then SLURM_PROCID, SLURM_NODEID and SLURM_LOCALID (the second).
  for (int task = 0; task < 4; ++task) {
    const int node = task / 2;
    const std::vector<std::string> expected = {cluster_.nodes()[node].name, std::to_string(task), std::to_string(node),
                                               std::to_string(task % 2)};
    EXPECT_EQ(tasks.at(task), expected) << "task " << task << " in:\n" << out;
  }
}

TEST_F(SlurmClusterTest, ScancelKillsEveryProcessOfAStepIncludingChildrenOfTasks) {
  // Durations no other process on this machine runs (sleep takes fractions), so only ours are counted.
  const std::string tag = std::to_string(::getpid());
  const std::vector<std::string> sleeps = {"sleep 300." + tag, "sleep 301." + tag};
  // Each task's shell waits for one sleep and leaves the other running in the background: its child.
  const auto submit = cluster_.slurm({"sbatch", "--parsable", "-N", "2", "--ntasks-per-node=2",
                                      "--output=" + cluster_.dir() + "/sleep_job.out", "--wrap",
                                      "srun sh -c '" + sleeps[0] + " & " + sleeps[1] + "'"});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err;
  const std::string job = job_id(submit.out);
  ASSERT_TRUE(wait_for_process_count(sleeps, 8, 30s))
      << "4 tasks x 2 sleeps never ran; running: " << ::testing::PrintToString(processes_starting_with(sleeps));

  const auto cancel = cluster_.slurm({"scancel", job});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  // KillWait=2: SIGTERM, then SIGKILL 2 s later for anything that ignored it.
  EXPECT_TRUE(wait_for_process_count(sleeps, 0, 10s))
      << "left after scancel: " << ::testing::PrintToString(processes_starting_with(sleeps));
}

// A test killed by its timeout never stops its cluster: the next start stops it, by its registry entry
// (/run/zl_slurm_clusters), and removes its directory.
TEST_F(SlurmClusterTest, AClusterWhoseOwnerIsGoneIsStoppedByTheNextStart) {
  const std::string orphan = testing::make_temp_dir("zl_orphan_cluster_");
  const std::string script = testing::source_dir() + "/tests/cluster/slurm_cluster.sh";
  // Owned by the shell, which exits as soon as the cluster is up.
  const auto started = testing::run_process({"sh", "-c", script + " start " + orphan + " 1"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  const std::string state = testing::read_file(orphan + "/cluster.state");
  const std::string tag = state.substr(4, state.find('\n') - 4);
  const std::string bridge = "/sys/class/net/zlsc" + tag + "b";
  ASSERT_TRUE(std::filesystem::exists(bridge)) << state;

  SlurmCluster next;
  ASSERT_EQ(next.start(1), "");
  EXPECT_FALSE(std::filesystem::exists(bridge)) << "the orphan's bridge is gone";
  EXPECT_FALSE(std::filesystem::exists(orphan)) << "and so is its directory";
  EXPECT_FALSE(std::filesystem::exists("/run/zl_slurm_clusters/" + tag));
}

}  // namespace
}  // namespace zl
