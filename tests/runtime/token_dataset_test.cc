// Token data files: bytes of a text file, llm.c shards (written and read back), malformed shards and
// missing files as ConfigErrors naming the flag and the path, and the train/validation split.
#include "zl/runtime/token_dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"
#include "zl/base/error.h"

namespace zl::runtime {
namespace {

class TokenDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = zl::testing::make_temp_dir("token_dataset"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

void expect_config_error_naming(const std::function<void()>& f, const std::vector<std::string>& words) {
  try {
    f();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what();
  }
}

TEST_F(TokenDatasetTest, TextFilesAreBytes) {
  const std::string path = dir_ + "/a.txt";
  std::ofstream(path, std::ios::binary) << "hi\xff\n";
  const TokenStream s = load_token_file(path, "--data");
  EXPECT_EQ(s.tokens, (std::vector<std::uint16_t>{'h', 'i', 255, '\n'}));
  EXPECT_EQ(s.vocab_size, 256);
}

TEST_F(TokenDatasetTest, ShardsRoundTrip) {
  const std::string path = dir_ + "/t.bin";
  const std::vector<std::uint16_t> tokens = {0, 50256, 7, 1000};
  write_token_shard(path, tokens);
  EXPECT_EQ(std::filesystem::file_size(path), 1024U + 8U);
  const TokenStream s = load_token_file(path, "--data");
  EXPECT_EQ(s.tokens, tokens);
  EXPECT_EQ(s.vocab_size, 50257);
}

TEST_F(TokenDatasetTest, MalformedShardsAndMissingFilesNameFlagAndPath) {
  const std::string bad = dir_ + "/bad.bin";
  std::ofstream(bad, std::ios::binary) << std::string(1100, 'x');
  expect_config_error_naming([&] { (void)load_token_file(bad, "--data"); }, {"--data", bad, "magic"});
  write_token_shard(bad, {1, 2, 3});
  std::filesystem::resize_file(bad, 1024 + 4);  // truncated: 2 of 3 tokens
  expect_config_error_naming([&] { (void)load_token_file(bad, "--data"); }, {"3 tokens"});
  expect_config_error_naming([&] { (void)load_token_file(dir_ + "/none.txt", "--data"); }, {"--data", "none.txt"});
}

TEST_F(TokenDatasetTest, SplitKeepsAContextInEachPart) {
  TokenStream s;
  for (int i = 0; i < 100; ++i) s.tokens.push_back(static_cast<std::uint16_t>(i));
  const TokenDataset d = split_train_validation(s, 8, 0.1, "--data");
  EXPECT_EQ(d.train.tokens.size(), 90U);  // validation: max(context + 1, 10%) = 10 tokens
  EXPECT_EQ(d.validation.tokens.front(), 90);
  const TokenDataset tight = split_train_validation(s, 40, 0.1, "--data");
  EXPECT_EQ(tight.validation.tokens.size(), 41U);
  expect_config_error_naming([&] { (void)split_train_validation(s, 60, 0.1, "--data"); }, {"--data", "too short"});
}

}  // namespace
}  // namespace zl::runtime
