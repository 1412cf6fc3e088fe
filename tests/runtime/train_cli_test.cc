// The `train` program as a user runs it: tiny real runs that learn (loss decreases) and write valid
// --log_json lines, flag and data errors that exit 2 naming the flag or file, one training path alone and
// under `zlaunch run` (identical losses), the config's model and "auto" sizes that follow it, shards as
// data, --init_from's architecture, and --eval_only over whole files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
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
    EXPECT_EQ(l.at("attempt").get<int>(), 0);
    // The built-in task trains on windows of 23 tokens (a newline and two 11-byte problems): a step's
    // tokens, this (only) rank's share of them, and the running total.
    EXPECT_EQ(l.at("tokens").get<std::int64_t>(), 8 * 23);
    EXPECT_EQ(l.at("rank_tokens").get<std::int64_t>(), 8 * 23);
    EXPECT_EQ(l.at("tokens_total").get<std::int64_t>(), static_cast<std::int64_t>(i + 1) * 8 * 23);
    for (const char* key : {"loss", "lr", "grad_norm", "seconds"}) EXPECT_TRUE(l.at(key).is_number()) << key;
    // Exact model-state bytes: 4 Psi of fp32 parameters, 4 Psi of gradients, 8 Psi of AdamW moments,
    // held since before step 1, so their peaks are the same.
    for (const char* field : {"memory", "memory_peak"}) {
      const auto& memory = l.at(field);
      EXPECT_EQ(memory.at("params").get<std::int64_t>(), 4 * psi) << field;
      EXPECT_EQ(memory.at("grads").get<std::int64_t>(), 4 * psi) << field;
      EXPECT_EQ(memory.at("optimizer").get<std::int64_t>(), 8 * psi) << field;
    }
  }
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) {
    first += lines[i].at("loss").get<double>();
    last += lines[35 + i].at("loss").get<double>();
  }
  EXPECT_LT(last, first - 5 * 1.0) << "mean loss of the last 5 steps should be at least 1 nat below the first 5";
}

// DeepSpeed's reporting and saving keys: wall_clock_breakdown prints the phase times every
// steps_per_print steps (rank 0), and stage3_gather_16bit_weights_on_model_save writes, with every
// checkpoint, the whole model in the working dtype (bf16 here) in Hugging Face layout.
TEST_F(TrainCli, WallClockBreakdownAndTheWhole16BitModelOnSave) {
  std::ofstream(dir_ + "/ds.json") << R"({"train_micro_batch_size_per_gpu": 2, "steps_per_print": 2,
    "wall_clock_breakdown": true, "bf16": {"enabled": true},
    "zero_optimization": {"stage": 3, "stage3_gather_16bit_weights_on_model_save": true}})";
  const auto r = train({"--model", "tiny", "--steps", "4", "--eval_batches", "1", "--threads", "1", "--config_file",
                        "ds.json", "--checkpoint_dir", "ck", "--save_every", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::size_t breakdowns = 0;
  for (std::size_t at = r.err.find("time (ms"); at != std::string::npos; at = r.err.find("time (ms", at + 1))
    ++breakdowns;
  EXPECT_EQ(breakdowns, 2U) << r.err;
  EXPECT_NE(r.err.find("[zl engine] step 2 time (ms, mean of 2 steps) | forward: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[zl engine] step 4 time"), std::string::npos) << r.err;
  std::size_t whole_models = 0;
  for (const auto& step : std::filesystem::directory_iterator(dir_ + "/ck")) {
    const std::filesystem::path model = step.path() / "hf_model" / "model.safetensors";
    if (!std::filesystem::exists(model)) continue;
    ++whole_models;
    EXPECT_TRUE(std::filesystem::exists(step.path() / "hf_model" / "config.json"));
    // The safetensors header (8-byte length, then JSON) names every tensor's dtype.
    std::ifstream in(model, std::ios::binary);
    std::uint64_t header_bytes = 0;
    in.read(reinterpret_cast<char*>(&header_bytes), sizeof header_bytes);
    std::string header(header_bytes, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header_bytes));
    const auto tensors = nlohmann::json::parse(header);
    ASSERT_GT(tensors.size(), 3U);
    for (const auto& [name, info] : tensors.items()) {
      if (name != "__metadata__") {
        EXPECT_EQ(info.at("dtype"), "BF16") << name;
      }
    }
  }
  EXPECT_EQ(whole_models, 2U) << r.out;
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

// Absurd input is refused before anything is allocated (exit 2 naming the flag), never trained wrong
// or allocated until the kernel kills the process.
TEST_F(TrainCli, AbsurdModelsAndValuesAreRefusedBeforeAllocating) {
  // A layer count past 2^31 used to wrap to a model without blocks, trained with exit 0.
  auto r = train({"--model", "2147483648,2,64,64,256", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("layers 2147483648 is past the largest supported"), std::string::npos) << r.err;
  r = train({"--model", "2,2,64,64,4294967296", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("vocab 4294967296"), std::string::npos) << r.err;
  // 8 TB of model states: the estimate against this machine's available memory, at once.
  r = train({"--model", "1000,16,8192,2048,50257", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("per rank in this machine's memory (zlaunch estimate-memory)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; no ZeRO stage fits"), std::string::npos) << r.err;
  // CLI11's positive-number check lets nan through.
  r = train({"--lr", "nan", "--steps", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("--lr nan"), std::string::npos) << r.err;
}

// A memory cgroup of its own for one test (v1's memory controller or v2's unified hierarchy, as root),
// removed afterwards; `skip_reason` says why there is none.
class MemoryCgroup {
 public:
  explicit MemoryCgroup(std::uint64_t limit_bytes) {
    namespace fs = std::filesystem;
    const std::string name = "zlaunch-test-" + std::to_string(::getpid());
    std::error_code ec;
    const bool v1 = fs::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    const fs::path root = v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup";
    std::string controllers;
    std::getline(std::ifstream("/sys/fs/cgroup/cgroup.subtree_control"), controllers);
    if (!v1 && controllers.find("memory") == std::string::npos) {
      skip_reason = "no cgroup memory controller to limit a child with";
      return;
    }
    if (!fs::create_directory(root / name, ec)) {
      skip_reason = "cannot create a memory cgroup under " + root.string() + " (" + ec.message() + "; needs root)";
      return;
    }
    path = (root / name).string();
    std::ofstream(path + (v1 ? "/memory.limit_in_bytes" : "/memory.max")) << limit_bytes;
  }
  ~MemoryCgroup() {
    if (!path.empty()) ::rmdir(path.c_str());
  }
  // argv run inside the group: a shell moves itself in, then execs argv.
  [[nodiscard]] std::vector<std::string> inside(const std::vector<std::string>& argv) const {
    std::vector<std::string> wrapped = {"/bin/sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", path};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  }
  std::string path;
  std::string skip_reason;
};

TEST_F(TrainCli, AModelPastTheMemoryCgroupsLimitIsRefusedNamingTheLimit) {
  // GPT-2 small's 124M parameters need about 2 GB per rank at stage 0 in fp32; the group allows 256 MiB,
  // far below what the machine has available.
  MemoryCgroup group(256ull << 20);
  if (!group.skip_reason.empty()) GTEST_SKIP() << group.skip_reason;
  testing::ProcessOptions options;
  options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"};
  options.working_directory = dir_;
  const auto r = run_process(group.inside({train_binary(), "--model", "gpt2", "--steps", "1"}), options);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("is left under this process's memory cgroup limit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no ZeRO stage fits"), std::string::npos) << r.err;
}

TEST_F(TrainCli, DataThatIsNotARegularFileIsRefused) {
  for (const std::string& path : {dir_, std::string("/dev/zero")}) {
    const auto r = train({"--data", path, "--steps", "1"});
    EXPECT_EQ(r.exit_code, 2) << path << r.out;
    EXPECT_NE(r.err.find("--data " + path + ": not a regular file"), std::string::npos) << r.err;
  }
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

// One training path: a world of several ranks must meet through the launcher's store; set by hand,
// WORLD_SIZE no longer trains unconnected replicas.
TEST_F(TrainCli, SeveralRanksWithoutTheLauncherAreRefused) {
  const auto r =
      train({"--model", "1,2,16,16,256", "--steps", "2", "--eval_batches", "1"}, {{"WORLD_SIZE", "2"}, {"RANK", "1"}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("ZLAUNCH_STORE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("zlaunch run"), std::string::npos) << r.err;
}

// The same config and seed train the same losses alone and as the one rank of `zlaunch run -n 1`: both
// resolve the same files by the same rules and run the same engine.
TEST_F(TrainCli, StandaloneAndLaunchedOneRankLogIdenticalLosses) {
  std::ofstream(dir_ + "/ds.json") << R"({"train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 2,
    "gradient_clipping": 0.5, "optimizer": {"type": "AdamW", "params": {"lr": 0.003, "weight_decay": 0.01}},
    "scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 3}},
    "zero_optimization": {"stage": 3, "reduce_bucket_size": "auto"}})";
  const std::vector<std::string> common = {"--model", "tiny", "--steps", "6", "--eval_batches", "1", "--threads", "1"};
  auto standalone_args = common;
  for (const char* a : {"--config_file", "ds.json", "--log_json", "alone.jsonl"}) standalone_args.emplace_back(a);
  auto r = train(standalone_args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ZeRO stage 3"), std::string::npos) << r.out;
  std::vector<std::string> launched = {testing::zlaunch_binary(), "run", "-n",          "1", "--config_file", "ds.json",
                                       "--metrics_port",          "0",   train_binary()};
  launched.insert(launched.end(), common.begin(), common.end());
  for (const char* a : {"--log_json", "launched.jsonl"}) launched.emplace_back(a);
  testing::ProcessOptions options;
  options.working_directory = dir_;
  options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"};
  r = run_process(launched, options);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto alone = read_lines(dir_ + "/alone.jsonl");
  const auto under = read_lines(dir_ + "/launched.jsonl");
  ASSERT_EQ(alone.size(), 6U);
  ASSERT_EQ(under.size(), 6U);
  for (std::size_t i = 0; i < alone.size(); ++i) {
    // Bit-identical: the same program on the same numbers.
    EXPECT_EQ(alone[i].at("loss").get<double>(), under[i].at("loss").get<double>()) << "step " << i + 1;
    EXPECT_EQ(alone[i].at("lr").get<double>(), under[i].at("lr").get<double>()) << "step " << i + 1;
    EXPECT_EQ(alone[i].at("zero_stage").get<int>(), 3);
  }
}

TEST_F(TrainCli, TaskFlagChoosesTheSkill) {
  auto r = train({"--model", "1,2,16,16,256", "--task", "add", "--steps", "1", "--eval_batches", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("of 'add'"), std::string::npos) << r.out;
  r = train({"--task", "multiply"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--task 'multiply': expected reverse or add"), std::string::npos) << r.err;
}

// The config's model is trained unless --model overrides it (and says so); "auto" buckets follow the
// model actually trained, not the one the config was written for.
TEST_F(TrainCli, TrainsTheConfigsModelAndSizesAutoForTheModelTrained) {
  std::ofstream(dir_ + "/launch.yaml") << "model: gpt2\ndeepspeed_config:\n  train_micro_batch_size_per_gpu: 8\n"
                                          "  zero_optimization:\n    stage: 2\n    reduce_bucket_size: auto\n";
  std::ofstream(dir_ + "/tiny.yaml") << "model: tiny\n";
  auto r = train({"--config_file", "tiny.yaml", "--steps", "1", "--eval_batches", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("model tiny (2,2,64,64,256"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("from launch.model"), std::string::npos) << r.out;
  r = train({"--config_file", "launch.yaml", "--model", "tiny", "--steps", "1", "--eval_batches", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("--model overrides the config's model (launch.model: gpt2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model tiny (2,2,64,64,256 = layers,heads,width,context,vocab; from --model)"),
            std::string::npos)
      << r.out;
  // h = 64 for tiny: reduce_bucket_size = h^2 = 4096 elements (gpt2's 768 would give 589824).
  EXPECT_NE(r.out.find("reduce buckets of 4096 elements"), std::string::npos) << r.out;
}

// --init_from decides the architecture: shapes from the tensors, heads from config.json beside it.
TEST_F(TrainCli, InitFromTakesTheArchitectureFromTheFile) {
  const std::string fixture = testing::source_dir() + "/tests/runtime/fixtures/gpt2_tiny.safetensors";
  std::filesystem::create_directories(dir_ + "/hf");
  std::filesystem::copy_file(fixture, dir_ + "/hf/model.safetensors");
  std::vector<std::uint16_t> tokens(200, 5);
  runtime::write_token_shard(dir_ + "/t.bin", tokens);
  // Without config.json the number of heads is unknown: refused, saying what to add.
  auto r = train({"--init_from", dir_ + "/hf/model.safetensors", "--eval_only", "--data", dir_ + "/t.bin"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
  std::ofstream(dir_ + "/hf/config.json") << R"({"n_layer": 2, "n_head": 2, "n_embd": 32, "n_positions": 16,
                                                  "vocab_size": 64})";
  r = train({"--init_from", dir_ + "/hf/model.safetensors", "--eval_only", "--data", dir_ + "/t.bin"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(2,2,32,16,64 = layers,heads,width,context,vocab; from --init_from"), std::string::npos)
      << r.out;
  // A --model that contradicts the file is refused by name.
  r = train(
      {"--init_from", dir_ + "/hf/model.safetensors", "--model", "tiny", "--eval_only", "--data", dir_ + "/t.bin"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--model tiny"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("contradicts --init_from"), std::string::npos) << r.err;
  // A config.json that contradicts the tensors is refused too.
  std::ofstream(dir_ + "/hf/config.json") << R"({"n_layer": 3, "n_head": 2})";
  r = train({"--init_from", dir_ + "/hf/model.safetensors", "--eval_only", "--data", dir_ + "/t.bin"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("n_layer"), std::string::npos) << r.err;
}

// --eval_only predicts every token of the file once, in consecutive windows; a file of exactly one window
// is evaluated, and its loss is PyTorch's for those tokens (the fixture's reference logits).
TEST_F(TrainCli, EvalOnlyEvaluatesTheWholeFileInConsecutiveWindows) {
  const std::string fixture = testing::source_dir() + "/tests/runtime/fixtures/gpt2_tiny.safetensors";
  std::ifstream expected_file(testing::source_dir() + "/tests/runtime/fixtures/gpt2_tiny_expected.json");
  const auto expected = nlohmann::json::parse(expected_file);
  const auto tokens = expected.at("tokens").get<std::vector<int>>();
  const auto targets = expected.at("targets").get<std::vector<int>>();
  const auto logits = expected.at("logits").get<std::vector<double>>();
  const int T = 16, V = 64;
  // Row 0 of the reference as one stream of T + 1 tokens, and its mean cross-entropy from the logits.
  std::vector<std::uint16_t> row(tokens.begin(), tokens.begin() + T);
  row.push_back(static_cast<std::uint16_t>(targets[T - 1]));
  double reference = 0;
  for (int t = 0; t < T; ++t) {
    double max = -1e300, sum = 0;
    for (int v = 0; v < V; ++v) max = std::max(max, logits[static_cast<std::size_t>(t * V + v)]);
    for (int v = 0; v < V; ++v) sum += std::exp(logits[static_cast<std::size_t>(t * V + v)] - max);
    reference += std::log(sum) + max - logits[static_cast<std::size_t>(t * V + targets[static_cast<std::size_t>(t)])];
  }
  reference /= T;
  runtime::write_token_shard(dir_ + "/one.bin", row);
  auto r = train({"--model", "2,2,32,16,64", "--init_from", fixture, "--eval_only", "--data", dir_ + "/one.bin"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(16 tokens in 1 consecutive windows of up to 16)"), std::string::npos) << r.out;
  const auto at = r.out.find("validation loss ");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_NEAR(std::stod(r.out.substr(at + 16)), reference, 1e-5) << r.out;
  // 200 tokens: 199 predicted, 12 windows of 16 and one of 7.
  std::vector<std::uint16_t> many(200);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::uint16_t>((i * 11) % 64);
  runtime::write_token_shard(dir_ + "/many.bin", many);
  r = train({"--model", "2,2,32,16,64", "--init_from", fixture, "--eval_only", "--data", dir_ + "/many.bin"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(199 tokens in 13 consecutive windows of up to 16)"), std::string::npos) << r.out;
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
