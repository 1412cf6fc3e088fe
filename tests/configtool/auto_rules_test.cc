// The model-sized "auto" rules: the bucket sizes of a model, and resize_auto_for_model() re-sizing a
// resolved config for the model actually trained while every value the user gave stays as given.
#include "zl/config/auto_rules.h"

#include <gtest/gtest.h>

#include "config_test_files.h"
#include "subprocess.h"
#include "zl/config/resolve.h"

namespace zl::config {
namespace {

using testing_files::write_file;

// Resolves `deepspeed_json` (or no file at all when empty) for the default model, small (h = 128).
ResolvedConfig resolved(const std::string& deepspeed_json) {
  ResolveRequest r;
  r.read_environment = false;
  r.read_default_files = false;
  if (!deepspeed_json.empty()) {
    r.config_file = write_file(testing::make_temp_dir("zl_auto_rules_"), "ds.json", deepspeed_json);
  }
  return resolve(r);
}

const char* const kAllAuto = R"({"train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": 3,
  "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto", "stage3_param_persistence_threshold": "auto"}})";

TEST(AutoRules, BucketSizesFollowTheHiddenSize) {
  const AutoBucketSizes small = auto_bucket_sizes(parse_model_spec("small", "test"));  // h = 128
  EXPECT_EQ(small.reduce_bucket_size, 16384);
  EXPECT_EQ(small.stage3_prefetch_bucket_size, 14745);  // floor(0.9 * 16384 = 14745.6)
  EXPECT_EQ(small.stage3_param_persistence_threshold, 1280);
  const AutoBucketSizes gpt2 = auto_bucket_sizes(parse_model_spec("gpt2", "test"));  // h = 768
  EXPECT_EQ(gpt2.reduce_bucket_size, 589824);
  EXPECT_EQ(gpt2.stage3_prefetch_bucket_size, 530841);  // floor(0.9 * 589824 = 530841.6)
  EXPECT_EQ(gpt2.stage3_param_persistence_threshold, 7680);
  EXPECT_EQ(auto_rule_text("zero_optimization.reduce_bucket_size", parse_model_spec("gpt2", "test")),
            "h² = 768² from model gpt2");
  EXPECT_EQ(auto_rule_text("zero_optimization.stage", parse_model_spec("gpt2", "test")), "");
}

TEST(AutoRules, ResolveAndTheRuleAgree) {
  const ResolvedConfig c = resolved(kAllAuto);
  const AutoBucketSizes small = auto_bucket_sizes(parse_model_spec("small", "test"));
  EXPECT_EQ(c.training.zero_optimization.reduce_bucket_size, small.reduce_bucket_size);
  EXPECT_EQ(c.training.zero_optimization.stage3_prefetch_bucket_size, small.stage3_prefetch_bucket_size);
  EXPECT_EQ(c.training.zero_optimization.stage3_param_persistence_threshold, small.stage3_param_persistence_threshold);
  EXPECT_EQ(c.sources.at("zero_optimization.reduce_bucket_size"), "auto (h² = 128² from model small)");
}

TEST(AutoRules, ResizingForAWiderModelResizesEveryAutoValue) {
  ResolvedConfig c = resolved(kAllAuto);
  ASSERT_EQ(c.training.zero_optimization.reduce_bucket_size, 128 * 128);
  resize_auto_for_model(c, parse_model_spec("gpt2", "test"));
  const ZeroSettings& z = c.training.zero_optimization;
  EXPECT_EQ(z.reduce_bucket_size, 589824);
  EXPECT_EQ(z.stage3_prefetch_bucket_size, 530841);
  EXPECT_EQ(z.stage3_param_persistence_threshold, 7680);
  EXPECT_EQ(c.launch.model, "gpt2");
  EXPECT_EQ(c.sources.at("model"), "caller");
  EXPECT_EQ(c.sources.at("zero_optimization.reduce_bucket_size"), "auto (h² = 768² from model gpt2)");
  EXPECT_EQ(c.sources.at("zero_optimization.stage3_prefetch_bucket_size"),
            "auto (floor(0.9·h²), h = 768 from model gpt2)");
  EXPECT_EQ(c.sources.at("zero_optimization.stage3_param_persistence_threshold"),
            "auto (10·h, h = 768 from model gpt2)");

  // Back to the model the config was resolved for: the same values and sources as resolve() gave.
  resize_auto_for_model(c, parse_model_spec("small", "test"));
  const ResolvedConfig fresh = resolved(kAllAuto);
  EXPECT_EQ(to_json(c).at("training"), to_json(fresh).at("training"));
  EXPECT_EQ(c.sources.at("zero_optimization.reduce_bucket_size"),
            fresh.sources.at("zero_optimization.reduce_bucket_size"));
  EXPECT_EQ(c.launch.model, "small");
}

TEST(AutoRules, ExplicitValuesAndFixedDefaultsSurviveAResize) {
  // reduce_bucket_size from the file, the persistence threshold "auto", the prefetch bucket absent
  // (DeepSpeed's default, a fixed number that no model changes).
  ResolvedConfig c = resolved(R"({"train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": 3,
    "reduce_bucket_size": 12345, "stage3_param_persistence_threshold": "auto"}})");
  ASSERT_EQ(c.sources.at("zero_optimization.stage3_prefetch_bucket_size"), "default");
  resize_auto_for_model(c, parse_model_spec("gpt2", "test"));
  const ZeroSettings& z = c.training.zero_optimization;
  EXPECT_EQ(z.reduce_bucket_size, 12345);
  EXPECT_EQ(c.sources.at("zero_optimization.reduce_bucket_size").rfind("file ", 0), 0u)
      << c.sources.at("zero_optimization.reduce_bucket_size");
  EXPECT_EQ(z.stage3_prefetch_bucket_size, ZeroSettings{}.stage3_prefetch_bucket_size);
  EXPECT_EQ(c.sources.at("zero_optimization.stage3_prefetch_bucket_size"), "default");
  EXPECT_EQ(z.stage3_param_persistence_threshold, 7680);
}

TEST(AutoRules, TheTrainersModelSizedDefaultsFollowTheModel) {
  // No DeepSpeed document: the trainer's bucket defaults are the "auto" sizes of its model.
  ResolvedConfig c = resolved("");
  EXPECT_EQ(c.training.zero_optimization.reduce_bucket_size, 128 * 128);
  EXPECT_EQ(c.sources.at("zero_optimization.reduce_bucket_size"), "default (h² = 128² from model small)");
  const ModelSpec narrow = parse_model_spec("2,2,96,64,256", "test");
  resize_auto_for_model(c, narrow);
  EXPECT_EQ(c.training.zero_optimization.reduce_bucket_size, 96 * 96);
  EXPECT_EQ(c.training.zero_optimization.stage3_prefetch_bucket_size, 8294);  // floor(0.9 * 9216 = 8294.4)
  EXPECT_EQ(c.training.zero_optimization.stage3_param_persistence_threshold, 960);
  EXPECT_EQ(c.sources.at("zero_optimization.reduce_bucket_size"), "default (h² = 96² from model 2,2,96,64,256)");
  EXPECT_EQ(c.launch.model, "2,2,96,64,256");        // a custom model is named by its dimensions
  EXPECT_EQ(c.training.zero_optimization.stage, 2);  // nothing else moves
  EXPECT_EQ(c.sources.at("zero_optimization.stage"), "default");
}

TEST(AutoRules, ResizingForTheSameModelChangesNothing) {
  ResolvedConfig c = resolved(kAllAuto);
  const nlohmann::json before = to_json(c);
  resize_auto_for_model(c, parse_model_spec("small", "test"));
  EXPECT_EQ(to_json(c), before);
}

}  // namespace
}  // namespace zl::config
