// `train --dump_batches` (docs/runtime.md): rank 0 writes every optimizer step's global batch. The dump
// of a 2-rank run is the dump of a 1-rank run with the same global batch (the order does not depend on
// the world size), its rows are the micro-batches each rank samples in Engine::train_step
// (BatchSampler::micro_batch(step, micro_step, rank)) in the documented order, and every row is a
// window of the data file with its targets one token later.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "crossframework_support.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/token_dataset.h"

namespace zl::crossframework {
namespace {

constexpr int kContext = 16;
constexpr int kSteps = 3;
constexpr std::uint64_t kSeed = 7;

class DumpBatches : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("zl_dump_batches_");
    write_token_shard(dir_ + "/data.bin", 6000, 65, 3);
    // micro-batch 4 on one rank, 2 on two: the same global batch of 8.
    std::ofstream(dir_ + "/ds.json") << R"({"train_batch_size": 8, "gradient_accumulation_steps": 2,
      "optimizer": {"type": "AdamW", "params": {"lr": 0.003}}, "zero_optimization": {"stage": 1}})";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<nlohmann::json> dump_of(const std::string& name, int world_size) {
    const TrainRun run{name,
                       world_size,
                       "ds.json",
                       {"--model", "2,2,32,16,65", "--data", "data.bin", "--context", std::to_string(kContext),
                        "--steps", std::to_string(kSteps), "--seed", std::to_string(kSeed), "--eval_batches", "1"}};
    const auto r = run_train(dir_, run);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return read_json_lines(dir_ + "/" + name + ".dump");
  }

  std::string dir_;
};

TEST_F(DumpBatches, TwoRanksDumpTheGlobalBatchOfOneRank) {
  const auto one = dump_of("w1", 1);
  const auto two = dump_of("w2", 2);
  ASSERT_EQ(one.size(), static_cast<std::size_t>(kSteps));
  ASSERT_EQ(two.size(), one.size());
  for (std::size_t s = 0; s < one.size(); ++s) {
    SCOPED_TRACE("step " + std::to_string(s + 1));
    EXPECT_EQ(two[s].at("step"), static_cast<int>(s) + 1);
    EXPECT_EQ(one[s].at("world_size"), 1);
    EXPECT_EQ(two[s].at("world_size"), 2);
    EXPECT_EQ(one[s].at("micro_batch"), 4);
    EXPECT_EQ(two[s].at("micro_batch"), 2);
    EXPECT_EQ(two[s].at("accumulation"), 2);
    EXPECT_EQ(two[s].at("context"), kContext);
    ASSERT_EQ(two[s].at("tokens").size(), 8U);
    EXPECT_EQ(one[s].at("tokens"), two[s].at("tokens"));
    EXPECT_EQ(one[s].at("targets"), two[s].at("targets"));
  }
}

TEST_F(DumpBatches, RowsAreEachRanksMicroBatchesInOrderAndWindowsOfTheFile) {
  const auto two = dump_of("w2", 2);
  ASSERT_EQ(two.size(), static_cast<std::size_t>(kSteps));
  // The sampler the two ranks trained from: train's split of --data (validation: the last 10%).
  const runtime::TokenStream all = runtime::load_token_file(dir_ + "/data.bin", "--data");
  const runtime::TokenDataset data = runtime::split_train_validation(all, kContext, 0.1, "--data");
  const runtime::BatchSampler sampler(data.train, kContext, 2, 2, 2, kSeed);
  for (int step = 0; step < kSteps; ++step) {
    const nlohmann::json& line = two[static_cast<std::size_t>(step)];
    for (int m = 0; m < 2; ++m) {
      for (int rank = 0; rank < 2; ++rank) {
        const runtime::MicroBatch mb = sampler.micro_batch(step, m, rank);
        for (int b = 0; b < mb.B; ++b) {
          const auto row = static_cast<std::size_t>((m * 2 + rank) * 2 + b);
          const auto at = mb.tokens.begin() + b * kContext;
          const auto next = mb.targets.begin() + b * kContext;
          EXPECT_EQ(line.at("tokens").at(row).get<std::vector<std::int32_t>>(),
                    std::vector<std::int32_t>(at, at + kContext))
              << "step " << step + 1 << " micro step " << m << " rank " << rank << " sample " << b;
          EXPECT_EQ(line.at("targets").at(row).get<std::vector<std::int32_t>>(),
                    std::vector<std::int32_t>(next, next + kContext));
        }
      }
    }
    // Independently of the sampler: each row and its last target are kContext + 1 consecutive tokens of
    // the file's training part.
    for (std::size_t row = 0; row < line.at("tokens").size(); ++row) {
      std::vector<std::int32_t> window = line.at("tokens").at(row).get<std::vector<std::int32_t>>();
      const auto targets = line.at("targets").at(row).get<std::vector<std::int32_t>>();
      EXPECT_TRUE(std::equal(window.begin() + 1, window.end(), targets.begin())) << "row " << row;
      window.push_back(targets.back());
      EXPECT_NE(std::search(data.train.tokens.begin(), data.train.tokens.end(), window.begin(), window.end()),
                data.train.tokens.end())
          << "step " << step + 1 << " row " << row << " is not a window of the training data";
    }
  }
}

TEST_F(DumpBatches, EvalOnlyHasNoBatchesToDump) {
  testing::ProcessOptions options;
  options.working_directory = dir_;
  options.unset_env = {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK"};
  const auto r = testing::run_process({testing::train_binary(), "--model", "2,2,32,16,65", "--data", "data.bin",
                                       "--eval_only", "--dump_batches", "x.dump"},
                                      options);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--dump_batches"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace zl::crossframework
