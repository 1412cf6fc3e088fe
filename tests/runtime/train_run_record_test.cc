// What a `train` run records, as a user runs it under `zlaunch run` (real processes, real files):
//  - every run, one fp32 rank as much as several, writes <run_dir>/steps/rank_<K>.jsonl and serves
//    /metrics, and zlaunch_checkpoint_duration_seconds observes every checkpoint save (scraped while
//    the run goes on, against the step directories saved so far);
//  - a group restarted after a crash appends its rows to the step logs (attempt 0's steps stay, the
//    restarted attempt's rows carry attempt 1), and its final line counts only the steps it took;
//  - one row schema (docs/runtime.md): the step log and --log_json hold the same rows, FILE for rank 0
//    and FILE.rank<R> for rank R, with the step's global tokens, this rank's share, the running total
//    and the memory peaks.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "http_client.h"
#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

// The built-in task trains on windows of 23 tokens (a newline and two 11-byte problems).
constexpr std::int64_t kWindow = 23;
// ds_config.json below: a global batch of 8 sequences, micro-batch 2 and 2 accumulation steps on 2 ranks.
constexpr std::int64_t kGlobalTokens = 8 * kWindow;
constexpr std::int64_t kRankTokens = 2 * 2 * kWindow;

const std::set<std::string> kRowKeys = {"step",
                                        "attempt",
                                        "loss",
                                        "lr",
                                        "grad_norm",
                                        "tokens",
                                        "rank_tokens",
                                        "tokens_total",
                                        "seconds",
                                        "loss_scale",
                                        "skipped",
                                        "world_size",
                                        "zero_stage",
                                        "memory",
                                        "memory_peak",
                                        "comm",
                                        "comm_exposed_seconds"};
const std::set<std::string> kMemoryKeys = {"params", "grads", "optimizer", "master", "activations", "buffers", "total"};

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

// The value of an unlabelled series (or a histogram's _count/_sum) on a Prometheus text page, or -1.
double series_value(const std::string& page, const std::string& name) {
  const std::regex line("(^|\n)" + name + " ([^\n]+)");
  std::smatch m;
  return std::regex_search(page, m, line) ? std::stod(m[2].str()) : -1.0;
}

// Completed checkpoints in dir (step_NNNNNNNN directories; temporaries are named .tmp.step_*).
int saved_checkpoints(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) n += entry.path().filename().string().starts_with("step_");
  return n;
}

class TrainRunRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ + "/ds_config.json") << R"({"train_batch_size": 8, "train_micro_batch_size_per_gpu": 2,
        "gradient_accumulation_steps": 2, "optimizer": {"type": "AdamW", "params": {"lr": 0.003}}})";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_ = testing::make_temp_dir("zl_train_record_");
};

// One fp32 rank, checkpoints every 2 steps, scraped while it trains: /metrics is served, and the
// checkpoint histogram has counted the saves, at least 3 of them: never more saves than the step
// directories that exist after the scrape, and at most the one save in flight fewer than existed before
// it (a save is counted just after its directory appears). The step log has every step /metrics counted.
TEST_F(TrainRunRecord, OneRankRunServesMetricsWritesItsStepLogAndCountsEveryCheckpointSave) {
  const int port = testing::free_port_range(2);  // the rank, and the launcher just past it
  ASSERT_GT(port, 0);
  const std::string checkpoints = dir_ + "/ckpt";
  testing::BackgroundProcess run(
      testing::zlaunch_run_argv(
          dir_,
          {"-n", "1", "--mixed_precision", "no", "--metrics_port", std::to_string(port), "train", "--model", "tiny",
           "--threads", "1", "--steps", "1000000", "--checkpoint_dir", checkpoints, "--save_every", "2"},
          "one"),
      dir_);
  std::string page;
  int before = 0, after = 0;
  double saves = -1;
  for (const auto deadline = std::chrono::steady_clock::now() + 45s; std::chrono::steady_clock::now() < deadline;) {
    before = saved_checkpoints(checkpoints);
    const auto r = testing::http_get(port, "/metrics", 2s);
    after = saved_checkpoints(checkpoints);
    if (r.status == 200) {
      page = r.body;
      saves = series_value(page, "zlaunch_checkpoint_duration_seconds_count");
      if (saves >= 3) break;
    }
    std::this_thread::sleep_for(50ms);
  }
  const std::vector<std::string> rows = lines_of(dir_ + "/logs/one/steps/rank_0.jsonl");
  run.signal(SIGTERM);
  run.wait(30s);
  ASSERT_GE(saves, 3) << "last page:\n" << page << "\nlauncher:\n" << run.err();
  EXPECT_LE(saves, after);
  EXPECT_GE(saves, before - 1);
  EXPECT_GT(series_value(page, "zlaunch_checkpoint_duration_seconds_sum"), 0.0) << page;
  const double steps = series_value(page, "zlaunch_optimizer_steps_total");
  EXPECT_GE(steps, 2 * saves) << page;
  ASSERT_GE(static_cast<double>(rows.size()), steps) << "the step log lacks steps /metrics counted";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const json row = json::parse(rows[i]);
    EXPECT_EQ(row.at("step").get<std::int64_t>(), static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(row.at("attempt").get<int>(), 0);
    EXPECT_EQ(row.at("world_size").get<int>(), 1);
  }
}

// The run directory's memory_estimate.json is the estimate for what was trained (train's --model and
// the built-in task's short sequences, not the config's model at its block size), and equals every
// rank's measured peak of every kind: stage 1 in bf16 and stage 3 in fp32, on 2 ranks.
TEST_F(TrainRunRecord, MemoryEstimateOfTheRunEqualsTheMeasuredPeaks) {
  for (const auto& [stage, precision] : {std::pair{"1", "bf16"}, std::pair{"3", "no"}}) {
    SCOPED_TRACE(std::string("stage ") + stage + ", mixed_precision " + precision);
    const std::string id = std::string("estimate") + stage;
    const testing::ProcessResult r = testing::run_process(
        testing::zlaunch_run_argv(dir_,
                                  {"-n", "2", "--zero_stage", stage, "--mixed_precision", precision, "train", "--model",
                                   "tiny", "--threads", "1", "--eval_batches", "1", "--steps", "3"},
                                  id),
        testing::isolated_launch_options(dir_, {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"}));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const json estimate = json::parse(testing::read_file(dir_ + "/logs/" + id + "/memory_estimate.json"));
    EXPECT_EQ(estimate.at("model"), "tiny");
    EXPECT_EQ(estimate.at("zero_stage").get<int>(), std::stoi(stage));
    for (int rank = 0; rank < 2; ++rank) {
      const std::vector<std::string> rows =
          lines_of(dir_ + "/logs/" + id + "/steps/rank_" + std::to_string(rank) + ".jsonl");
      ASSERT_EQ(rows.size(), 3u);
      const json peak = json::parse(rows.back()).at("memory_peak");
      for (const char* kind : {"params", "grads", "optimizer", "master", "activations", "buffers"}) {
        EXPECT_EQ(estimate.at("per_rank_bytes").at(kind), peak.at(kind)) << "rank " << rank << " " << kind;
      }
    }
  }
}

// Rank 1 SIGKILLs itself in the middle of saving step 6 (the test-only fault point of
// tests/checkpoint/crash_test.cc, attempt 0 only); --max_restarts 1 restarts the group, which resumes
// from step 3. Each rank's step log then holds attempt 0's steps 1-6 and attempt 1's steps 4-9, the
// repeated steps with the same losses (the same training), and --log_json the very same rows.
TEST_F(TrainRunRecord, RestartedGroupAppendsItsRowsAndCountsOnlyItsOwnSteps) {
  testing::ProcessOptions options = testing::isolated_launch_options(dir_, {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"});
  options.set_env["ZL_CHECKPOINT_FAULT"] = "after_shard_write";
  options.set_env["ZL_CHECKPOINT_FAULT_STEP"] = "6";
  options.timeout = 120s;
  const testing::ProcessResult r = testing::run_process(testing::zlaunch_run_argv(dir_,
                                                                                  {"-n",
                                                                                   "2",
                                                                                   "--max_restarts",
                                                                                   "1",
                                                                                   "--shutdown_timeout",
                                                                                   "5",
                                                                                   "--zero_stage",
                                                                                   "2",
                                                                                   "--config_file",
                                                                                   dir_ + "/ds_config.json",
                                                                                   "train",
                                                                                   "--model",
                                                                                   "tiny",
                                                                                   "--threads",
                                                                                   "1",
                                                                                   "--eval_batches",
                                                                                   "1",
                                                                                   "--steps",
                                                                                   "9",
                                                                                   "--save_every",
                                                                                   "3",
                                                                                   "--checkpoint_dir",
                                                                                   dir_ + "/ckpt",
                                                                                   "--log_json",
                                                                                   dir_ + "/steps.jsonl"},
                                                                                  "restarted"),
                                                        options);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_NE(r.err.find("attempt 1"), std::string::npos) << r.err;

  const std::vector<std::pair<std::int64_t, int>> want = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0},
                                                          {4, 1}, {5, 1}, {6, 1}, {7, 1}, {8, 1}, {9, 1}};
  std::vector<std::vector<json>> by_rank(2);
  for (int rank = 0; rank < 2; ++rank) {
    SCOPED_TRACE("rank " + std::to_string(rank));
    const std::vector<std::string> lines =
        lines_of(dir_ + "/logs/restarted/steps/rank_" + std::to_string(rank) + ".jsonl");
    const std::vector<std::string> log_json =
        lines_of(dir_ + "/steps.jsonl" + (rank == 0 ? "" : ".rank" + std::to_string(rank)));
    ASSERT_EQ(lines.size(), want.size());
    ASSERT_EQ(log_json.size(), lines.size());
    std::map<std::int64_t, double> first_loss;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(log_json[i], lines[i]) << "--log_json holds another row than the step log";
      const json row = json::parse(lines[i]);
      by_rank[rank].push_back(row);
      const std::int64_t step = row.at("step").get<std::int64_t>();
      ASSERT_EQ(std::make_pair(step, row.at("attempt").get<int>()), want[i]) << lines[i];
      EXPECT_EQ(keys_of(row), kRowKeys) << lines[i];
      EXPECT_EQ(row.at("tokens").get<std::int64_t>(), kGlobalTokens);
      EXPECT_EQ(row.at("rank_tokens").get<std::int64_t>(), kRankTokens);
      EXPECT_EQ(row.at("tokens_total").get<std::int64_t>(), step * kGlobalTokens);
      EXPECT_EQ(row.at("world_size").get<int>(), 2);
      EXPECT_EQ(row.at("zero_stage").get<int>(), 2);
      EXPECT_EQ(keys_of(row.at("memory")), kMemoryKeys);
      EXPECT_EQ(keys_of(row.at("memory_peak")), kMemoryKeys);
      std::int64_t sum = 0;
      for (const auto& [kind, bytes] : row.at("memory").items()) {
        EXPECT_GE(row.at("memory_peak").at(kind).get<std::int64_t>(), bytes.get<std::int64_t>()) << kind;
        if (kind != "total") sum += bytes.get<std::int64_t>();
      }
      EXPECT_EQ(row.at("memory").at("total").get<std::int64_t>(), sum);
      EXPECT_GT(row.at("memory_peak").at("activations").get<std::int64_t>(), 0);
      // A repeated step is the same step of the same training.
      const double loss = row.at("loss").get<double>();
      if (const auto seen = first_loss.find(step); seen != first_loss.end()) {
        EXPECT_EQ(loss, seen->second) << "step " << step;
      } else {
        first_loss[step] = loss;
      }
    }
  }
  // The loss and the tokens are the global batch's: the same on both ranks.
  for (std::size_t i = 0; i < by_rank[0].size(); ++i) {
    EXPECT_EQ(by_rank[0][i].at("loss"), by_rank[1][i].at("loss")) << i;
    EXPECT_EQ(by_rank[0][i].at("tokens_total"), by_rank[1][i].at("tokens_total")) << i;
  }
  // Attempt 1 took steps 4-9: 6 steps of 184 tokens.
  const std::string out = testing::read_file(dir_ + "/logs/restarted/attempt_1/rank_0.out");
  EXPECT_NE(out.find("done: steps 4..9 (6 this run), " + std::to_string(6 * kGlobalTokens) + " tokens in "),
            std::string::npos)
      << out;
  // The launcher's record of the attempts, for zlaunch report: the failure with its root cause, then
  // the success; and its last line names the log folder and the report command.
  const std::vector<std::string> attempts = lines_of(dir_ + "/logs/restarted/attempts.jsonl");
  ASSERT_EQ(attempts.size(), 2u);
  const json failed = json::parse(attempts[0]), succeeded = json::parse(attempts[1]);
  EXPECT_EQ(failed.at("attempt"), 0);
  EXPECT_EQ(failed.at("outcome"), "failed");
  EXPECT_NE(failed.at("exit_code"), 0);
  EXPECT_EQ(failed.at("root_cause").get<std::string>().rfind("rank 1 ", 0), 0u) << attempts[0];
  EXPECT_EQ(succeeded.at("attempt"), 1);
  EXPECT_EQ(succeeded.at("outcome"), "success");
  EXPECT_TRUE(succeeded.at("root_cause").is_null());
  EXPECT_NE(r.err.find("zlaunch: run restarted finished in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" after 1 restart(s); logs in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; report: zlaunch report " + dir_ + "/logs/restarted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace zl
