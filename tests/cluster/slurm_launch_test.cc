// `zlaunch run --launcher slurm` on a real Slurm (tests/cluster/slurm_cluster.sh: slurmctld and one
// slurmd per node, each node in its own network and UTS namespace), through the exact batch script of
// docs/launcher.md (templates/launch/slurm.sbatch with slurm.yaml beside it):
//   - sbatch -N 2 trains 4 ranks across the two "machines" at ZeRO stages 0-3 and logs the same losses
//     as the same config under a local zlaunch run, the store reached at node 1's own address;
//   - the store's secret is in no process's command line on any node while the job runs;
//   - scancel leaves no process of the job anywhere;
//   - a rank killed mid-run ends the job with the failure report naming the rank and its node;
//   - salloc runs zlaunch outside the allocation, and the ranks train on its nodes;
//   - a node whose ranks never start is named, with its host, --rdzv_timeout after the launch;
//   - a node whose slurmd dies mid-run (Slurm ends the job NODE_FAIL) is named as the root cause;
//   - on the same nodes without Slurm, --launcher mpi with a hostfile trains the same losses too.
// Skips, saying why, where the cluster cannot be made (not root, no namespaces, packages missing).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "launch_support.h"
#include "slurm_cluster.h"
#include "subprocess.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class SlurmLaunchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new testing::SlurmCluster();
    skip_reason_ = cluster_->start(2);
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  // No job of a test outlives it: the next one would find node 1's store port taken.
  void TearDown() override {
    if (!skip_reason_.empty()) return;
    (void)cluster_->slurm({"scancel", "--user=root"});
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline &&
           cluster_->slurm({"squeue", "--noheader", "--format=%i"}).out.find_first_not_of(" \n") != std::string::npos) {
      std::this_thread::sleep_for(200ms);
    }
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    work_ = cluster_->dir() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(work_);
    // The batch script and its config, exactly as docs/launcher.md ships them.
    for (const char* file : {"slurm.sbatch", "slurm.yaml"}) {
      fs::copy_file(testing::source_dir() + "/templates/launch/" + file, work_ + "/" + file);
    }
  }

  // The environment of a submission from work_: the cluster's, zlaunch and train on PATH (the batch
  // script runs `zlaunch`), and the config made small for the CPU through ZLAUNCH_* variables, which
  // sbatch passes on (--export=ALL is its default).
  [[nodiscard]] testing::ProcessOptions submit_options(int stage) const {
    testing::ProcessOptions options;
    options.set_env = cluster_->env();
    const std::string bin = fs::path(testing::zlaunch_binary()).parent_path().string();
    options.set_env["PATH"] = bin + ":" + std::string(std::getenv("PATH"));
    options.set_env["ZLAUNCH_DEVICE"] = "cpu";
    options.set_env["ZLAUNCH_MIXED_PRECISION"] = "no";
    options.set_env["ZLAUNCH_MODEL"] = "tiny";
    options.set_env["ZLAUNCH_ZERO_STAGE"] = std::to_string(stage);
    options.set_env["ZLAUNCH_METRICS_PORT"] = "0";
    options.unset_env = {"ZLAUNCH_STORE_TOKEN", "ZLAUNCH_CONFIG", "RANK", "WORLD_SIZE", "SLURM_JOB_ID"};
    options.working_directory = work_;
    options.timeout = 180s;
    return options;
  }

  // sbatch ARGS SCRIPT TRAIN_ARGS (SCRIPT in work_); with --wait it returns when the job has ended.
  [[nodiscard]] testing::ProcessResult sbatch(const std::vector<std::string>& sbatch_args,
                                              const std::vector<std::string>& train_args, int stage = 1,
                                              const std::string& script = "slurm.sbatch") const {
    std::vector<std::string> argv = {"sbatch", "--parsable", "--output=" + work_ + "/job-%j.out"};
    argv.insert(argv.end(), sbatch_args.begin(), sbatch_args.end());
    argv.push_back(work_ + "/" + script);
    argv.insert(argv.end(), train_args.begin(), train_args.end());
    return testing::run_process(argv, submit_options(stage));
  }

  // The job's output (Slurm's file: zlaunch's console, srun's lines).
  [[nodiscard]] std::string job_output(const std::string& job) const {
    return testing::read_file(work_ + "/job-" + job + ".out");
  }

  // The one run directory under dir/zlaunch_logs.
  static std::string run_dir_in(const std::string& logs) {
    for (const auto& entry : fs::directory_iterator(logs)) {
      if (entry.is_directory() && entry.path().filename() != "targets") return entry.path().string();
    }
    return "";
  }

  static std::vector<double> losses(const std::string& step_log) {
    std::vector<double> out;
    std::ifstream in(step_log);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line).at("loss"));
    return out;
  }

  static testing::SlurmCluster* cluster_;
  static std::string skip_reason_;
  std::string work_;
};

testing::SlurmCluster* SlurmLaunchTest::cluster_ = nullptr;
std::string SlurmLaunchTest::skip_reason_;

// The environment of every process, by pid (processes that end while read are left out).
std::map<pid_t, std::vector<std::string>> all_environments() {
  std::map<pid_t, std::vector<std::string>> environments;
  for (const auto& [pid, line] : testing::all_command_lines()) {
    environments[pid] = testing::process_strings(std::to_string(pid), "environ");
  }
  return environments;
}

bool holds(const std::vector<std::string>& environment, const std::string& variable) {
  return std::find(environment.begin(), environment.end(), variable) != environment.end();
}

// The first value of `name` in the environment of a process whose environment holds `marker`
// ("SLURM_JOB_ID=7"), "" while there is none.
std::string environment_value_where(const std::string& marker, const std::string& name) {
  for (const auto& [pid, environment] : all_environments()) {
    if (!holds(environment, marker)) continue;
    for (const std::string& variable : environment) {
      if (variable.rfind(name + "=", 0) == 0) return variable.substr(name.size() + 1);
    }
  }
  return "";
}

// Pids of the processes whose environment holds `marker` (and `also`, when given) and whose command line
// has `word`.
std::vector<pid_t> processes_where(const std::string& marker, const std::string& word, const std::string& also = "") {
  std::vector<pid_t> pids;
  const auto lines = testing::all_command_lines();
  for (const auto& [pid, environment] : all_environments()) {
    const auto line = lines.find(pid);
    if (line == lines.end() || line->second.find(word) == std::string::npos) continue;
    if (holds(environment, marker) && (also.empty() || holds(environment, also))) pids.push_back(pid);
  }
  return pids;
}

// The job id `sbatch --parsable` printed ("ID" or "ID;CLUSTER").
std::string job_id_of(const std::string& parsable) { return parsable.substr(0, parsable.find_first_of(";\n")); }

// Waits up to 60 s until `count` train processes whose environment holds `marker` run; true once they do.
bool wait_for_trainers(const std::string& marker, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (processes_where(marker, "/train").size() < count) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

class SlurmStages : public SlurmLaunchTest, public ::testing::WithParamInterface<int> {};

TEST_P(SlurmStages, TwoNodesTrainTheLossesOfALocalRun) {
  const int stage = GetParam();
  const std::vector<std::string> train_args = {"--steps", "6", "--eval_batches", "1", "--comm_backend", "gloo"};
  const auto submitted = sbatch({"-N", "2", "--ntasks-per-node", "2"}, train_args, stage);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job = job_id_of(submitted.out);
  const testing::JobEnd end = cluster_->wait_for_job(job, 150s);
  const std::string out = job_output(job);
  ASSERT_EQ(end.state, "COMPLETED") << out;
  // Four ranks on two machines, the store at node 1's own address (not 127.0.0.1).
  const auto& nodes = cluster_->nodes();
  EXPECT_NE(out.find("4 process(es) on 2 machine(s), store " + nodes[0].address + ":29500"), std::string::npos) << out;
  const std::string run_dir = run_dir_in(work_ + "/zlaunch_logs");
  ASSERT_FALSE(run_dir.empty()) << out;
  // Every rank wrote its own log; ranks 2 and 3 ran on node 2 (their output names it).
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_EQ(losses(run_dir + "/steps/rank_" + std::to_string(rank) + ".jsonl").size(), 6u) << rank;
  }
  // The same config on one machine under zlaunch's own launcher.
  testing::ProcessOptions local = submit_options(stage);
  local.set_env["ZLAUNCH_LAUNCHER"] = "local";
  local.set_env["ZLAUNCH_LOG_DIR"] = work_ + "/local_logs";
  std::vector<std::string> argv = {
      testing::zlaunch_binary(), "run", "--config_file", work_ + "/slurm.yaml", "-n", "4", "train"};
  argv.insert(argv.end(), train_args.begin(), train_args.end());
  const auto reference = testing::run_process(argv, local);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const std::string local_dir = run_dir_in(work_ + "/local_logs");
  EXPECT_EQ(losses(run_dir + "/steps/rank_0.jsonl"), losses(local_dir + "/steps/rank_0.jsonl"))
      << "the same ring over the same ranks sums in the same order: the losses are equal to the bit";
}

INSTANTIATE_TEST_SUITE_P(ZeroStages, SlurmStages, ::testing::Values(0, 1, 2, 3));

// The same nodes without Slurm: zlaunch on node 1 starts mpirun with a hostfile of both nodes' addresses
// (netns_rsh.sh stands in for ssh), and the 4 ranks train the losses of a local run.
TEST_F(SlurmLaunchTest, MpirunWithAHostfileTrainsAcrossTheNodes) {
  const auto& nodes = cluster_->nodes();
  { std::ofstream(work_ + "/hosts") << nodes[0].address << " slots=2\n" << nodes[1].address << " slots=2\n"; }
  const std::string subnet = nodes[0].address.substr(0, nodes[0].address.rfind('.')) + ".0/24";
  testing::ProcessOptions options = submit_options(2);
  options.set_env["ZLAUNCH_LAUNCHER"] = "mpi";
  options.set_env["OMPI_MCA_plm_rsh_agent"] = testing::SlurmCluster::rsh_agent();
  options.set_env["OMPI_MCA_oob_tcp_if_include"] = subnet;
  options.set_env["OMPI_MCA_btl_tcp_if_include"] = subnet;
  const std::vector<std::string> train_args = {"--steps", "6", "--eval_batches", "1", "--comm_backend", "gloo"};
  std::vector<std::string> argv = {testing::zlaunch_binary(),
                                   "run",
                                   "--config_file",
                                   work_ + "/slurm.yaml",
                                   "--hostfile",
                                   work_ + "/hosts",
                                   "--num_machines",
                                   "2",
                                   "-n",
                                   "4",
                                   "--log_dir",
                                   work_ + "/mpi_logs",
                                   "train"};
  argv.insert(argv.end(), train_args.begin(), train_args.end());
  const auto run = testing::run_process(cluster_->in_node(0, argv), options);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("store " + nodes[0].address + ":29500"), std::string::npos) << run.err;
  testing::ProcessOptions local = submit_options(2);
  local.set_env["ZLAUNCH_LAUNCHER"] = "local";
  std::vector<std::string> local_argv = {
      testing::zlaunch_binary(), "run",  "--config_file", work_ + "/slurm.yaml", "-n", "4", "--log_dir",
      work_ + "/local_logs",     "train"};
  local_argv.insert(local_argv.end(), train_args.begin(), train_args.end());
  const auto reference = testing::run_process(local_argv, local);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const std::string mpi_dir = run_dir_in(work_ + "/mpi_logs");
  const std::string local_dir = run_dir_in(work_ + "/local_logs");
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_EQ(losses(mpi_dir + "/steps/rank_" + std::to_string(rank) + ".jsonl").size(), 6u) << rank;
  }
  EXPECT_EQ(losses(mpi_dir + "/steps/rank_0.jsonl"), losses(local_dir + "/steps/rank_0.jsonl"));
}

TEST_F(SlurmLaunchTest, TheSecretIsOnNoCommandLineAndScancelLeavesNothing) {
  const auto submitted = sbatch({"-N", "2", "--ntasks-per-node", "2"}, {"--steps", "1000000"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job = job_id_of(submitted.out);
  const std::string marker = "SLURM_JOB_ID=" + job;
  ASSERT_TRUE(wait_for_trainers(marker, 4)) << job_output(job);
  const std::string token = environment_value_where(marker, "ZLAUNCH_STORE_TOKEN");
  ASSERT_EQ(token.size(), 32u) << "a random secret made up by the launcher for this job";
  for (const auto& [pid, line] : testing::all_command_lines()) {
    EXPECT_EQ(line.find(token), std::string::npos) << "pid " << pid << " shows the store's secret: " << line;
  }
  const auto cancelled = testing::run_process({"scancel", job}, submit_options(1));
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  const auto gone_by = std::chrono::steady_clock::now() + 30s;
  while (!processes_where(marker, "").empty() && std::chrono::steady_clock::now() < gone_by) {
    std::this_thread::sleep_for(100ms);
  }
  std::string left;
  for (const pid_t pid : processes_where(marker, "")) left += std::to_string(pid) + " ";
  EXPECT_EQ(left, "") << "processes of job " << job << " outlived scancel";
}

TEST_F(SlurmLaunchTest, ARankKilledMidRunIsNamedWithItsNode) {
  const auto submitted = sbatch({"-N", "2", "--ntasks-per-node", "2"}, {"--steps", "1000000"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job = job_id_of(submitted.out);
  const std::string marker = "SLURM_JOB_ID=" + job;
  // Rank 3 runs on node 2 (srun places --ntasks-per-node ranks per node, in order).
  std::vector<pid_t> rank3;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (rank3.empty() && std::chrono::steady_clock::now() < deadline) {
    rank3 = processes_where(marker, "/train", "SLURM_PROCID=3");
    if (rank3.empty()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(rank3.size(), 1u) << job_output(job);
  std::this_thread::sleep_for(1s);  // training, not starting up
  ::kill(rank3.front(), SIGKILL);
  const auto ended_by = std::chrono::steady_clock::now() + 60s;
  while (!processes_where(marker, "").empty() && std::chrono::steady_clock::now() < ended_by) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(processes_where(marker, "").empty()) << "the job ended";
  const std::string out = job_output(job);
  const std::string node2 = cluster_->nodes()[1].name;
  EXPECT_NE(out.find("root cause: rank 3 (local rank 1, node 1, host " + node2), std::string::npos) << out;
  EXPECT_NE(out.find("killed by SIGKILL"), std::string::npos) << out;
}

// salloc runs its command where it was typed (here the root namespace, a "login node" outside the
// allocation) and zlaunch there starts the ranks on the allocated nodes with srun: the store is served
// at the address the nodes reach this host at (main_process_ip), for one node as for two.
TEST_F(SlurmLaunchTest, SallocRunsZlaunchOnTheLoginNodeAndTheRanksOnTheAllocation) {
  const std::string& node1 = cluster_->nodes()[0].address;
  const std::string login = node1.substr(0, node1.rfind('.')) + ".254";
  for (const int nodes : {1, 2}) {
    const std::string logs = work_ + "/salloc_logs_" + std::to_string(nodes);
    std::vector<std::string> argv = {"salloc", "-N", std::to_string(nodes), "--ntasks-per-node", "2", "zlaunch", "run"};
    // Port 0: this namespace is shared with the other tests, which may hold 29500.
    for (const char* arg : {"--config_file", "slurm.yaml", "--main_process_ip", login.c_str(), "--main_process_port",
                            "0", "--log_dir", logs.c_str(), "train", "--steps", "3", "--eval_batches", "1"}) {
      argv.push_back(arg);
    }
    const auto run = testing::run_process(argv, submit_options(1));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.err.find(std::to_string(2 * nodes) + " process(es) on " + std::to_string(nodes) +
                           " machine(s), store " + login + ":"),
              std::string::npos)
        << run.err;
    const std::string run_dir = run_dir_in(logs);
    for (int rank = 0; rank < 2 * nodes; ++rank) {
      EXPECT_EQ(losses(run_dir + "/steps/rank_" + std::to_string(rank) + ".jsonl").size(), 3u) << rank;
    }
  }
}

// Node 2's ranks never start (the program is stuck before it runs, as on a hung file system): zlaunch
// names node 1 and its host --rdzv_timeout after srun launched the ranks, and the job fails, long
// before the ranks of node 1 would give up waiting for their peers.
TEST_F(SlurmLaunchTest, ANodeWhoseRanksNeverStartIsNamedWithinTheRendezvousTimeout) {
  const std::string node2 = cluster_->nodes()[1].name;
  {
    std::ofstream script(work_ + "/stuck.sbatch");
    script << "#!/bin/bash\nset -euo pipefail\n"
           << "exec zlaunch run --config_file slurm.yaml --rdzv_timeout 15 sh -c "
           << "'if [ \"$(hostname)\" = " << node2 << " ]; then exec sleep 600; fi; exec train \"$@\"' train \"$@\"\n";
  }
  const auto submitted = sbatch({"-N", "2", "--ntasks-per-node", "2"}, {"--steps", "1000000"}, 1, "stuck.sbatch");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job = job_id_of(submitted.out);
  const testing::JobEnd end = cluster_->wait_for_job(job, 90s);
  const std::string out = job_output(job);
  EXPECT_EQ(end.state, "FAILED") << out;
  EXPECT_EQ(end.exit_code, "3:0") << "the infrastructure exit code: " << out;
  EXPECT_NE(
      out.find("root cause: node 1 (host " + node2 + ", rank(s) 2, 3): never started within --rdzv_timeout (15 s)"),
      std::string::npos)
      << out;
}

// A whole node lost mid-run: its slurmd dies, Slurm declares the node down (SlurmdTimeout) and ends the
// job NODE_FAIL, which reaches zlaunch as SIGTERM. srun named the node first, and the report leads with
// it. Its own cluster: the node stays down afterwards.
class SlurmNodeLossTest : public SlurmLaunchTest {};

TEST_F(SlurmNodeLossTest, ANodeWhoseSlurmdDiesIsTheRootCause) {
  const auto submitted = sbatch({"-N", "2", "--ntasks-per-node", "2"}, {"--steps", "1000000"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job = job_id_of(submitted.out);
  const std::string marker = "SLURM_JOB_ID=" + job;
  ASSERT_TRUE(wait_for_trainers(marker, 4)) << job_output(job);
  const std::string node2 = cluster_->nodes()[1].name;
  const std::string slurmd_pid = testing::read_file(cluster_->dir() + "/node/" + node2 + "/slurmd.pid");
  ASSERT_FALSE(slurmd_pid.empty());
  ASSERT_EQ(::kill(std::stoi(slurmd_pid), SIGKILL), 0);
  const testing::JobEnd end = cluster_->wait_for_job(job, 90s);
  const std::string out = job_output(job);
  EXPECT_EQ(end.state, "NODE_FAIL") << out;
  EXPECT_NE(out.find("interrupted by SIGTERM"), std::string::npos) << out;
  EXPECT_NE(out.find("root cause: node 1 (host " + node2 + ", rank(s) 2, 3): Node failure"), std::string::npos) << out;
}

// The same loss under salloc, zlaunch on the login node: srun does not say it lost the node (salloc
// does, on its own stderr), the ranks of node 1 are terminated and node 2's fail on their closed
// connections. Slurm knows the node is down, and the report leads with it.
class SlurmNodeLossUnderSallocTest : public SlurmLaunchTest {};

TEST_F(SlurmNodeLossUnderSallocTest, ANodeWhoseSlurmdDiesIsTheRootCause) {
  const std::string& node1 = cluster_->nodes()[0].address;
  const std::string login = node1.substr(0, node1.rfind('.')) + ".254";
  const std::string node2 = cluster_->nodes()[1].name;
  const std::string slurmd_pid = testing::read_file(cluster_->dir() + "/node/" + node2 + "/slurmd.pid");
  ASSERT_FALSE(slurmd_pid.empty());
  const std::string run_id = "salloc-node-loss-" + std::to_string(::getpid());
  std::thread killer([&] {
    // Once the four ranks train, node 2's slurmd dies.
    wait_for_trainers("ZLAUNCH_RUN_ID=" + run_id, 4);
    ::kill(std::stoi(slurmd_pid), SIGKILL);
  });
  // Port 0: this namespace is shared with the other tests, which may hold 29500.
  const auto run = testing::run_process(
      {"salloc", "-N", "2", "--ntasks-per-node", "2", "zlaunch", "run", "--config_file", "slurm.yaml",
       "--main_process_ip", login, "--main_process_port", "0", "--run_id", run_id, "train", "--steps", "1000000"},
      submit_options(1));
  killer.join();
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("root cause: node 1 (host " + node2 + ", rank(s) 2, 3): Slurm has it down*"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace zl
