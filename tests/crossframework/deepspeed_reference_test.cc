// zlaunch trains what DeepSpeed would train, step by step. A small random GPT-2 made by transformers
// (make_gpt2.py) is trained 20 steps by `zlaunch run train --init_from` at ZeRO stages 0-3 on 1, 2 and 4
// ranks with --dump_batches; reference_train.py replays each dump with transformers' GPT2LMHeadModel, the
// optimizer DeepSpeed's engine builds for the config and DeepSpeed's own scheduler classes, on the CPU in
// fp32. Every step's loss must agree within 1e-4 relative, the learning rate to rounding, the gradient
// norm within 1e-3 relative.
//
// The global batch (train_batch_size 8) is the same at every world size, and the dumps of one world size
// are the same at every stage (checked), so the reference replays one dump per (config, world size),
// splitting the rows into that world's micro-batches as DeepSpeed's ranks would.
//
// Needs a Python with torch, transformers and deepspeed: ZL_TORCH_PYTHON (scripts/anchors-venv.sh makes
// one); skipped with the reason otherwise. Slow: four Python start-ups and 36 short runs (~2 minutes on
// two busy cores).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

#include "crossframework_support.h"

namespace zl::crossframework {
namespace {

constexpr int kSteps = 20;
constexpr double kLossTolerance = 1e-4;  // relative
constexpr double kGradNormTolerance = 1e-3;
constexpr int kWorldSizes[] = {1, 2, 4};

std::string torch_python() {
  const char* python = std::getenv("ZL_TORCH_PYTHON");
  return python == nullptr ? std::string() : python;
}

std::string script(const std::string& name) { return testing::source_dir() + "/tests/crossframework/" + name; }

double relative(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-30); }

class DeepSpeedReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string python = torch_python();
    if (python.empty()) {
      skip_reason_ = "ZL_TORCH_PYTHON is not set: no PyTorch reference (scripts/anchors-venv.sh makes one)";
      return;
    }
    dir_ = testing::make_temp_dir("zl_crossframework_");
    testing::ProcessOptions options;
    options.timeout = std::chrono::seconds(180);
    // One Python start-up: the model, and the check that the reference's modules import (exit 3 names one).
    const auto made = testing::run_process(
        {python, script("make_gpt2.py"), dir_ + "/model", "--require", "deepspeed.runtime.lr_schedules"}, options);
    if (made.exit_code == 3) {
      skip_reason_ = "ZL_TORCH_PYTHON=" + python + " cannot run the reference: " + made.err.substr(0, 300);
      return;
    }
    if (made.exit_code != 0) {
      setup_error_ = "make_gpt2.py failed (exit " + std::to_string(made.exit_code) + "): " + made.out + made.err;
      return;
    }
    write_token_shard(dir_ + "/data.bin", 20000, 65, 11);
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  // Trains `ds_json` (a DeepSpeed config without zero_optimization) at every stage and world size,
  // replays it in PyTorch and compares step by step. Prints the largest relative loss difference of
  // every (stage, world size). With clipping > 0, some reference step must have clipped.
  static void expect_matches_reference(const std::string& name, const std::string& ds_json, double clipping) {
    std::map<std::pair<int, int>, std::vector<nlohmann::json>> logs;  // (world size, stage) -> step log
    std::vector<std::string> reference = {torch_python(), script("reference_train.py"), dir_ + "/model", "--json",
                                          dir_ + "/" + name + "_reference.json"};
    for (const int world : kWorldSizes) {
      std::vector<nlohmann::json> stage0_dump;
      for (int stage = 0; stage <= 3; ++stage) {
        const std::string run_name = name + "_w" + std::to_string(world) + "_s" + std::to_string(stage);
        std::ofstream(dir_ + "/" + run_name + ".json")
            << ds_json.substr(0, ds_json.rfind('}')) << R"(, "zero_optimization": {"stage": )" << stage << "}}";
        const TrainRun run{run_name,
                           world,
                           run_name + ".json",
                           {"--init_from", "model/model.safetensors", "--data", "data.bin", "--steps",
                            std::to_string(kSteps), "--seed", "42", "--eval_batches", "1"}};
        const auto r = run_train(dir_, run);
        ASSERT_EQ(r.exit_code, 0) << run_name << "\n" << r.out << r.err;
        const auto& log = logs[{world, stage}] = read_json_lines(dir_ + "/" + run_name + ".log");
        const auto dump = read_json_lines(dir_ + "/" + run_name + ".dump");
        ASSERT_EQ(log.size(), static_cast<std::size_t>(kSteps)) << run_name;
        ASSERT_EQ(dump.size(), static_cast<std::size_t>(kSteps)) << run_name;
        if (stage == 0) {
          stage0_dump = dump;
          reference.insert(reference.end(),
                           {"--run", dir_ + "/" + run_name + ".json", dir_ + "/" + run_name + ".dump"});
        } else {
          EXPECT_EQ(dump, stage0_dump) << run_name << ": the batches depend on the ZeRO stage";
        }
      }
    }
    testing::ProcessOptions options;
    options.set_env = {{"DS_ACCELERATOR", "cpu"}, {"OMP_NUM_THREADS", "1"}};
    options.timeout = std::chrono::seconds(600);
    const auto replayed = testing::run_process(reference, options);
    ASSERT_EQ(replayed.exit_code, 0) << replayed.out << replayed.err;
    nlohmann::json runs;
    std::ifstream(dir_ + "/" + name + "_reference.json") >> runs;
    ASSERT_EQ(runs.size(), std::size(kWorldSizes));

    std::printf("%s: max relative loss difference from the PyTorch/DeepSpeed reference\n", name.c_str());
    for (std::size_t w = 0; w < std::size(kWorldSizes); ++w) {
      const int world = kWorldSizes[w];
      const nlohmann::json& steps = runs[w].at("steps");
      ASSERT_EQ(steps.size(), static_cast<std::size_t>(kSteps));
      double largest_norm = 0.0;
      for (const auto& step : steps) largest_norm = std::max(largest_norm, step.at("grad_norm").get<double>());
      if (clipping > 0) {
        EXPECT_GT(largest_norm, clipping) << "no step clipped: gradient_clipping is not exercised";
      }
      for (int stage = 0; stage <= 3; ++stage) {
        const auto& log = logs[{world, stage}];
        double worst_loss = 0.0, worst_norm = 0.0;
        for (int i = 0; i < kSteps; ++i) {
          SCOPED_TRACE(name + " world " + std::to_string(world) + " stage " + std::to_string(stage) + " step " +
                       std::to_string(i + 1));
          const nlohmann::json& ours = log[static_cast<std::size_t>(i)];
          const nlohmann::json& theirs = steps[static_cast<std::size_t>(i)];
          const double loss = relative(ours.at("loss").get<double>(), theirs.at("loss").get<double>());
          const double norm = relative(ours.at("grad_norm").get<double>(), theirs.at("grad_norm").get<double>());
          worst_loss = std::max(worst_loss, loss);
          worst_norm = std::max(worst_norm, norm);
          EXPECT_LE(loss, kLossTolerance) << "zlaunch " << ours.at("loss") << ", reference " << theirs.at("loss");
          EXPECT_NEAR(ours.at("lr").get<double>(), theirs.at("lr").get<double>(), 1e-12);
          EXPECT_LE(norm, kGradNormTolerance)
              << "grad norm: zlaunch " << ours.at("grad_norm") << ", reference " << theirs.at("grad_norm");
        }
        std::printf("  world %d stage %d: loss %.2e, grad norm %.2e (loss %.4f -> %.4f)\n", world, stage, worst_loss,
                    worst_norm, log.front().at("loss").get<double>(), log.back().at("loss").get<double>());
      }
    }
    std::fflush(stdout);
  }

  static std::string dir_;
  static std::string skip_reason_;
  static std::string setup_error_;
};

std::string DeepSpeedReference::dir_;
std::string DeepSpeedReference::skip_reason_;
std::string DeepSpeedReference::setup_error_;

// The common part of every config: a global batch of 8 sequences of 32 tokens in two accumulation
// micro-steps (micro-batch 4, 2, 1 on 1, 2, 4 ranks), and clipping at a norm the early steps exceed.
constexpr const char* kBatch = R"("train_batch_size": 8, "gradient_accumulation_steps": 2, "gradient_clipping": 1.0)";

// AdamW (decoupled decay) with a linear WarmupLR from 0.
TEST_F(DeepSpeedReference, AdamWWithWeightDecayWarmupLrClippingAccumulation) {
  expect_matches_reference("adamw", std::string("{") + kBatch + R"(,
    "optimizer": {"type": "AdamW", "params": {"lr": 0.01, "weight_decay": 0.1}},
    "scheduler": {"type": "WarmupLR", "params": {"warmup_min_lr": 0, "warmup_max_lr": 0.01,
                  "warmup_num_steps": 5, "warmup_type": "linear"}}})",
                           1.0);
}

// `type: Adam` with weight decay: DeepSpeed decouples it (adam_w_mode defaults to true), as AdamW.
TEST_F(DeepSpeedReference, AdamWithWeightDecayIsDecoupledAsInDeepSpeed) {
  expect_matches_reference("adam", std::string("{") + kBatch + R"(,
    "optimizer": {"type": "Adam", "params": {"lr": 0.01, "weight_decay": 0.1, "betas": [0.8, 0.99]}},
    "scheduler": {"type": "WarmupDecayLR", "params": {"warmup_min_lr": 0.001, "warmup_max_lr": 0.01,
                  "warmup_num_steps": 4, "total_num_steps": 20}}})",
                           1.0);
}

// `type: Adam` with adam_w_mode false: L2 decay added to the gradient (torch.optim.Adam).
TEST_F(DeepSpeedReference, AdamWithAdamWModeFalseIsL2Decay) {
  expect_matches_reference("adam_l2", std::string("{") + kBatch + R"(,
    "optimizer": {"type": "Adam", "params": {"lr": 0.01, "weight_decay": 0.1, "adam_w_mode": false}},
    "scheduler": {"type": "WarmupCosineLR", "params": {"warmup_min_ratio": 0.1, "warmup_num_steps": 5,
                  "total_num_steps": 20, "warmup_type": "linear"}}})",
                           1.0);
}

}  // namespace
}  // namespace zl::crossframework
