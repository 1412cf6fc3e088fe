// The bundled trainer under `zlaunch run`, as a user runs it: real processes, the real launcher, Gloo
// through the rendezvous store or MPI through mpirun. One DeepSpeed JSON fixes the global batch (8
// sequences, 2 accumulation steps; the micro-batch is "auto", so 4, 2 and 1 on 1, 2 and 4 ranks), which
// makes every run the same training: the per-step losses each rank logs
// (<log_dir>/<run_id>/steps/rank_K.jsonl) must agree across ranks (one model, not replicas), across
// stages and world sizes, and across backends, to the engine's fp32 tolerance (relative 1e-5, as in
// engine_equivalence_test). The reference is one process, which trains without the engine (its
// --log_json), so the engine is also checked against the plain single-process trainer. Independent replicas would each
// see a different quarter of the batch and log different losses.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "subprocess.h"
#include "zl/device/accelerator_info.h"

namespace zl {
namespace {

constexpr int kSteps = 20;
constexpr double kLossRelativeTolerance = 1e-5;

struct Job {
  int ranks = 1;
  int stage = 0;
  std::string launcher = "local";
  std::string device = "cpu";
};

std::string describe(const Job& job) {
  return std::to_string(job.ranks) + " ranks, stage " + std::to_string(job.stage) + ", --launcher " + job.launcher +
         ", --device " + job.device;
}

class TrainUnderLauncher : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("train_under_launcher");
    config_ = dir_ + "/ds_config.json";
    std::ofstream(config_) << R"({"train_batch_size": 8, "train_micro_batch_size_per_gpu": "auto",
                                 "gradient_accumulation_steps": 2, "gradient_clipping": 1.0,
                                 "optimizer": {"type": "AdamW", "params": {"lr": 0.003}}})";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `zlaunch run RUN_OPTIONS --log_dir <dir> --run_id RUN_ID train` on the tiny model for `steps` steps,
  // one thread per rank, no evaluation.
  std::vector<std::string> train_argv(std::vector<std::string> run_options, const std::string& run_id,
                                      std::int64_t steps) const {
    std::vector<std::string> argv = {testing::zlaunch_binary(), "run"};
    argv.insert(argv.end(), run_options.begin(), run_options.end());
    argv.insert(argv.end(), {"--log_dir", dir_, "--run_id", run_id, "train", "--model", "tiny", "--steps",
                             std::to_string(steps), "--eval_every", "0", "--threads", "1"});
    return argv;
  }

  // Runs the job and returns its losses per rank, step by step.
  std::vector<std::vector<double>> run(const Job& job) {
    const std::string run_id = "r" + std::to_string(next_run_++);
    std::vector<std::string> argv =
        train_argv({"--num_processes", std::to_string(job.ranks), "--launcher", job.launcher, "--device", job.device,
                    "--config_file", config_, "--zero_stage", std::to_string(job.stage)},
                   run_id, kSteps);
    argv.insert(argv.end(), {"--log_json", dir_ + "/" + run_id + ".jsonl"});
    testing::ProcessOptions options;
    options.timeout = std::chrono::seconds(180);
    options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK", "LOCAL_RANK"};
    const testing::ProcessResult r = testing::run_process(argv, options);
    EXPECT_EQ(r.exit_code, 0) << describe(job) << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
    std::vector<std::vector<double>> losses(static_cast<std::size_t>(job.ranks));
    for (int rank = 0; rank < job.ranks; ++rank) {
      const std::string path = job.ranks == 1 ? dir_ + "/" + run_id + ".jsonl"
                                              : dir_ + "/" + run_id + "/steps/rank_" + std::to_string(rank) + ".jsonl";
      std::ifstream in(path);
      for (std::string line; std::getline(in, line);) {
        losses[static_cast<std::size_t>(rank)].push_back(nlohmann::json::parse(line).at("loss").get<double>());
      }
      EXPECT_EQ(losses[static_cast<std::size_t>(rank)].size(), static_cast<std::size_t>(kSteps))
          << describe(job) << ": rank " << rank << " logged a different number of steps";
    }
    return losses;
  }

  // Every rank of `job` logged `reference`'s losses, to the tolerance.
  void expect_same_training(const std::vector<double>& reference, const Job& job,
                            double tolerance = kLossRelativeTolerance) {
    const auto losses = run(job);
    for (std::size_t rank = 0; rank < losses.size(); ++rank) {
      ASSERT_EQ(losses[rank].size(), reference.size()) << describe(job) << ", rank " << rank;
      for (std::size_t step = 0; step < reference.size(); ++step) {
        EXPECT_LE(std::abs(losses[rank][step] - reference[step]), tolerance * std::abs(reference[step]))
            << describe(job) << ", rank " << rank << ", step " << step + 1 << ": " << losses[rank][step] << " against "
            << reference[step] << " on one rank";
      }
    }
  }

  std::string dir_;
  std::string config_;
  int next_run_ = 0;
};

TEST_F(TrainUnderLauncher, GlooRanksTrainOneModelAtEveryStageAndWorldSize) {
  const std::vector<double> reference = run({1, 0, "local"}).at(0);
  ASSERT_EQ(reference.size(), static_cast<std::size_t>(kSteps));
  EXPECT_LT(reference.back(), reference.front()) << "the reference run did not learn";
  for (int stage = 0; stage <= 3; ++stage) expect_same_training(reference, {2, stage, "local"});
  for (int stage : {2, 3}) expect_same_training(reference, {4, stage, "local"});
}

TEST_F(TrainUnderLauncher, MpiRanksTrainTheSameModelAsGloo) {
  const std::vector<double> reference = run({1, 0, "local"}).at(0);
  ASSERT_EQ(reference.size(), static_cast<std::size_t>(kSteps));
  for (int stage = 0; stage <= 3; ++stage) expect_same_training(reference, {2, stage, "mpi"});
  expect_same_training(reference, {4, 3, "mpi"});
}

// The pid of the process whose environment holds every one of `entries` ("KEY=value"), or 0; never
// a rank guard's.
pid_t find_process_with_environment(const std::vector<std::string>& entries) {
  for (const auto& dir : std::filesystem::directory_iterator("/proc")) {
    const std::string name = dir.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    // The rank's supervisor (zlaunch-rank-guard) has the rank's environment too: the rank is its child.
    std::error_code ec;
    if (std::filesystem::read_symlink(dir.path() / "exe", ec).filename() == "zlaunch-rank-guard") continue;
    std::ifstream in(dir.path() / "environ", std::ios::binary);
    std::vector<std::string> environment;
    for (std::string entry; std::getline(in, entry, '\0');) environment.push_back(entry);
    const bool all = std::all_of(entries.begin(), entries.end(), [&](const std::string& e) {
      return std::find(environment.begin(), environment.end(), e) != environment.end();
    });
    if (all) return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}

// Ends what a hang case left behind: the stopped rank (continued, then killed), if it still runs as
// the same process (its environment still matches).
void kill_if_still_there(pid_t pid, const std::vector<std::string>& environment) {
  if (pid == 0 || find_process_with_environment(environment) != pid) return;
  ::kill(pid, SIGCONT);
  ::kill(pid, SIGKILL);
}

// Every "rank K" that precedes " is hung: " in the launcher's output.
std::vector<int> ranks_named_hung(const std::string& report) {
  std::vector<int> ranks;
  for (auto at = report.find(" is hung: "); at != std::string::npos; at = report.find(" is hung: ", at + 1)) {
    const auto name = report.rfind("rank ", at);
    if (name != std::string::npos) ranks.push_back(std::stoi(report.substr(name + 5, at - name - 5)));
  }
  return ranks;
}

// Hang detection end to end: one rank of a running job is stopped (SIGSTOP) mid-training, each rank
// in turn in worlds of 2 and 3. The stopped rank's heartbeat stops while the others, blocked in a
// collective waiting for it, keep beating; after --hang_timeout the launcher must name the stopped
// rank and no other (rank 0 is the first to cross the timeout whenever it waits for a higher rank),
// with its last step, say its heartbeat stopped, list the others as waiting for it in a collective,
// tear the group down and exit 1.
TEST_F(TrainUnderLauncher, StoppedRankAndOnlyItIsReportedAsHung) {
  for (const int world : {2, 3}) {
    for (int stopped = 0; stopped < world; ++stopped) {
      SCOPED_TRACE("world of " + std::to_string(world) + ", rank " + std::to_string(stopped) + " stopped");
      const std::string run_id = "hung" + std::to_string(world) + "_" + std::to_string(stopped);
      const std::vector<std::string> environment = {"ZLAUNCH_RUN_ID=" + run_id, "RANK=" + std::to_string(stopped)};
      testing::ProcessOptions options;
      options.timeout = std::chrono::seconds(90);
      options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK", "LOCAL_RANK"};
      testing::ProcessResult result;
      std::thread job([&] {
        result = testing::run_process(
            train_argv({"--num_processes", std::to_string(world), "--hang_timeout", "2", "--shutdown_timeout", "1"},
                       run_id, 10000000),
            options);
      });
      // Wait until the rank has logged a few steps, then stop it.
      const std::string steps = dir_ + "/" + run_id + "/steps/rank_" + std::to_string(stopped) + ".jsonl";
      pid_t pid = 0;
      for (int i = 0; i < 600 && pid == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::ifstream in(steps);
        const auto lines = std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
        if (lines >= 3) pid = find_process_with_environment(environment);
      }
      // Let the watcher report some of the steps before the stop.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      if (pid != 0) ::kill(pid, SIGSTOP);
      job.join();
      kill_if_still_there(pid, environment);
      ASSERT_NE(pid, 0) << "the rank never logged a step\n" << result.err;
      EXPECT_FALSE(result.timed_out) << result.err;
      EXPECT_EQ(result.exit_code, 1) << result.err;
      const std::string report = result.out + result.err;
      EXPECT_EQ(ranks_named_hung(report), std::vector<int>{stopped}) << report;
      const std::string named = "rank " + std::to_string(stopped) + " is hung: no progress or output for ";
      const auto hung = report.find(named);
      ASSERT_NE(hung, std::string::npos) << report;
      const auto line_end = report.find('\n', hung);
      const std::string line = report.substr(hung, line_end - hung);
      // Reports arrived (without them the launcher says "no progress report"), up to some step.
      const auto at = line.find("last step ");
      ASSERT_NE(at, std::string::npos) << line;
      EXPECT_GE(std::stol(line.substr(at + 10)), 1) << line;
      EXPECT_NE(line.find("its process is stopped or frozen"), std::string::npos) << line;
      for (int other = 0; other < world; ++other) {
        if (other == stopped) continue;
        EXPECT_NE(line.find("rank " + std::to_string(other) + " in "), std::string::npos)
            << "rank " << other << " is not listed as waiting in a collective: " << line;
      }
      EXPECT_NE(line.find("waiting for it: rank "), std::string::npos) << line;
    }
  }
}

// device: cuda where GPUs are visible: one rank per GPU (the launcher sets ZLAUNCH_LOCAL_DEVICE), NCCL
// between them, the same training as the CPU's one-process run to the cross-device tolerance of
// engine_cuda_test (cuBLAS and OpenBLAS sum in different orders).
TEST_F(TrainUnderLauncher, GpuRanksTrainTheSameModelAsTheCpu) {
  const auto gpus = static_cast<int>(device::query_accelerators().gpus.size());
  if (gpus == 0) GTEST_SKIP() << "no GPU visible: " << device::query_accelerators().no_gpu_reason;
  constexpr double kCrossDeviceTolerance = 1e-4;
  const std::vector<double> reference = run(Job{1, 0}).at(0);
  for (const int stage : {0, 1, 2, 3}) {
    expect_same_training(reference, Job{std::min(gpus, 2), stage, "local", "cuda"}, kCrossDeviceTolerance);
  }
}

// device: cuda on a machine without a GPU: every rank refuses at once, before rendezvous, and the
// launcher reports it as a configuration error (exit 2) whose message says why: no GPU visible (CUDA
// builds) or no CUDA in this build (ZL_CUDA=OFF).
TEST_F(TrainUnderLauncher, CudaDeviceWithoutGpuFailsAtOnceWithExitTwo) {
  if (!device::query_accelerators().gpus.empty())
    GTEST_SKIP() << "a GPU is visible: this case needs a machine without one";
  testing::ProcessOptions options;
  options.timeout = std::chrono::seconds(60);
  options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK", "LOCAL_RANK", "CUDA_VISIBLE_DEVICES"};
  const testing::ProcessResult r =
      testing::run_process({testing::zlaunch_binary(), "run", "--num_processes", "2", "--device", "cuda", "--log_dir",
                            dir_, "train", "--model", "tiny", "--steps", "5"},
                           options);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string output = r.out + r.err;
  EXPECT_TRUE(output.find("no GPU is visible") != std::string::npos ||
              output.find("built without CUDA") != std::string::npos)
      << output;
}

}  // namespace
}  // namespace zl
