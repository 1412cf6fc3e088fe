// The `train` program as a user runs it: tiny real runs that learn (loss decreases) and write valid
// --log_json lines, flag and data errors that exit 2 naming the flag or file, independent replicas under
// WORLD_SIZE > 1 (said plainly, one log per rank), shards as data, and --eval_only from a checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "subprocess.h"
#include "zl/config/model_spec.h"
#include "zl/runtime/token_dataset.h"

namespace zl {
namespace {

using testing::run_process;
using testing::train_binary;

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("train_cli"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  testing::ProcessResult train(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), train_binary());
    testing::ProcessOptions options;
    options.set_env = std::move(env);
    options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"};
    for (const auto& [k, v] : options.set_env) {
      std::erase(options.unset_env, k);
    }
    options.working_directory = dir_;
    return run_process(args, options);
  }

  static std::vector<nlohmann::json> read_lines(const std::string& path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  std::string dir_;
};

TEST_F(TrainCli, TinyRunLearnsAndLogsOneJsonLinePerStep) {
  const std::string log = dir_ + "/log.jsonl";
  const auto r = train({"--model", "tiny", "--steps", "40", "--eval_batches", "2", "--log_json", log});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("exact-match accuracy"), std::string::npos) << r.out;
  const auto lines = read_lines(log);
  ASSERT_EQ(lines.size(), 40U);
  const std::int64_t psi = config::parse_model_spec("tiny", "test").parameter_count();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    EXPECT_EQ(l.at("step").get<int>(), static_cast<int>(i) + 1);
    // The built-in task trains on windows of 23 tokens (a newline and two 11-byte problems).
    EXPECT_EQ(l.at("tokens").get<std::int64_t>(), static_cast<std::int64_t>(i + 1) * 8 * 23);
    for (const char* key : {"loss", "lr", "grad_norm", "seconds"}) EXPECT_TRUE(l.at(key).is_number()) << key;
    // Exact model-state bytes: 4 Psi of fp32 parameters, 4 Psi of gradients, 8 Psi of AdamW moments.
    const auto& memory = l.at("memory_bytes").at("cpu");
    EXPECT_EQ(memory.at("params").get<std::int64_t>(), 4 * psi);
    EXPECT_EQ(memory.at("grads").get<std::int64_t>(), 4 * psi);
    EXPECT_EQ(memory.at("optimizer").get<std::int64_t>(), 8 * psi);
  }
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) {
    first += lines[i].at("loss").get<double>();
    last += lines[35 + i].at("loss").get<double>();
  }
  EXPECT_LT(last, first - 5 * 1.0) << "mean loss of the last 5 steps should be at least 1 nat below the first 5";
}

TEST_F(TrainCli, SameSeedSameLossesDifferentSeedDifferent) {
  auto losses = [&](const std::string& seed) {
    const std::string log = dir_ + "/s" + seed + ".jsonl";
    const auto r =
        train({"--model", "1,2,16,16,256", "--steps", "3", "--eval_batches", "1", "--seed", seed, "--log_json", log});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<double> v;
    for (const auto& l : read_lines(log)) v.push_back(l.at("loss").get<double>());
    return v;
  };
  EXPECT_EQ(losses("5"), losses("5"));
  EXPECT_NE(losses("5"), losses("6"));
}

TEST_F(TrainCli, BadFlagsExitTwoNamingTheFlag) {
  auto r = train({"--steps", "many"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--steps"), std::string::npos) << r.err;
  r = train({"--task", "multiply"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--task"), std::string::npos) << r.err;
  r = train({"--context", "65", "--model", "tiny"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--context"), std::string::npos) << r.err;
  r = train({"--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  r = train({"--model", "huge"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
}

TEST_F(TrainCli, MissingOrMalformedDataExitsTwoNamingTheFile) {
  auto r = train({"--data", dir_ + "/nowhere.txt", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nowhere.txt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;
  const std::string bad = dir_ + "/bad.bin";
  std::ofstream(bad) << std::string(2000, 'x');
  r = train({"--data", bad, "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.bin"), std::string::npos) << r.err;
  r = train({"--init_from", dir_ + "/none.safetensors", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("none.safetensors"), std::string::npos) << r.err;
}

TEST_F(TrainCli, TokenShardTrainsAndTooLargeVocabularyIsRefused) {
  std::vector<std::uint16_t> tokens;
  for (int i = 0; i < 4000; ++i) tokens.push_back(static_cast<std::uint16_t>((i * 7) % 50));
  runtime::write_token_shard(dir_ + "/d.bin", tokens);
  auto r = train({"--data", dir_ + "/d.bin", "--model", "1,2,16,16,64", "--steps", "5", "--eval_batches", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("llm.c shard"), std::string::npos) << r.out;
  r = train({"--data", dir_ + "/d.bin", "--model", "1,2,16,16,32", "--steps", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("vocab"), std::string::npos) << r.err;
}

TEST_F(TrainCli, SeveralRanksTrainIndependentReplicasAndSaySo) {
  const std::string log = dir_ + "/log.jsonl";
  const auto r = train({"--model", "1,2,16,16,256", "--steps", "2", "--eval_batches", "1", "--log_json", log},
                       {{"WORLD_SIZE", "2"}, {"RANK", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("INDEPENDENT replica"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/log.rank1.jsonl"));
  EXPECT_EQ(read_lines(dir_ + "/log.rank1.jsonl").at(0).at("rank").get<int>(), 1);
}

TEST_F(TrainCli, UnderTheLauncherRanksTrainTogetherWithZero) {
  std::ofstream(dir_ + "/launch.yaml") << "num_processes: 2\nmetrics:\n  enabled: false\n";
  testing::ProcessOptions options;
  options.working_directory = dir_;
  options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"};
  const auto r = run_process({testing::zlaunch_binary(), "run", "--config_file", dir_ + "/launch.yaml", train_binary(),
                              "--model", "1,2,16,16,256", "--steps", "4", "--eval_batches", "1"},
                             options);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("data parallelism over 2 ranks"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("INDEPENDENT replica"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exact-match accuracy"), std::string::npos) << r.out;
}

TEST_F(TrainCli, EvalOnlyFromAHuggingFaceCheckpoint) {
  const std::string fixture = testing::source_dir() + "/tests/runtime/fixtures/gpt2_tiny.safetensors";
  std::ofstream(dir_ + "/text.txt") << std::string(500, 'a');
  auto r = train({"--model", "2,2,32,16,64", "--init_from", fixture, "--eval_only", "--data", dir_ + "/text.txt"});
  // The fixture's vocabulary (64) cannot hold bytes: refused with the vocabulary named.
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("vocab"), std::string::npos) << r.err;
  std::vector<std::uint16_t> tokens(200, 5);
  runtime::write_token_shard(dir_ + "/t.bin", tokens);
  r = train({"--model", "2,2,32,16,64", "--init_from", fixture, "--eval_only", "--data", dir_ + "/t.bin",
             "--eval_batches", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("validation loss"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace zl
