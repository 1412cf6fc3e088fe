// config.resolved.json round-trips every field, reads as DeepSpeed's layout, and malformed files are
// ConfigErrors naming the file.
#include "zl/config/resolved_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "subprocess.h"
#include "zl/base/error.h"

namespace zl::config {
namespace {

ResolvedConfig sample() {
  ResolvedConfig c;
  c.launch.num_processes = 8;
  c.launch.num_machines = 2;
  c.launch.launcher = LauncherKind::kMpi;
  c.launch.mixed_precision = Precision::kBf16;
  c.launch.metrics.port = 0;
  c.training.train_batch_size = 256;
  c.training.train_micro_batch_size_per_gpu = 16;
  c.training.gradient_accumulation_steps = 2;
  c.training.bf16_enabled = true;
  c.training.optimizer.betas = {0.8, 0.95};
  c.training.scheduler.type = SchedulerType::kWarmupCosineLR;
  c.training.scheduler.total_num_steps = 1000;
  c.training.zero_optimization.stage = 3;
  c.training.zero_optimization.offload_param.device = OffloadDevice::kCpu;
  c.training.zero_optimization.stage3_prefetch_bucket_size = 123456;
  c.sources["zero_optimization.stage"] = "file ds.json";
  c.files_used = {"ds.json"};
  return c;
}

TEST(ResolvedConfig, JsonRoundTripPreservesEveryField) {
  const ResolvedConfig original = sample();
  const ResolvedConfig back = resolved_config_from_json(to_json(original), "memory");
  EXPECT_EQ(to_json(back), to_json(original));
  EXPECT_EQ(back.launch.processes_per_machine(), 4);
  EXPECT_EQ(back.training.zero_optimization.offload_param.device, OffloadDevice::kCpu);
  EXPECT_EQ(back.training.optimizer.betas[1], 0.95);
}

TEST(ResolvedConfig, TrainingSectionUsesDeepSpeedLayout) {
  const auto json = to_json(sample());
  const auto& training = json.at("training");
  EXPECT_EQ(training.at("bf16").at("enabled"), true);
  EXPECT_EQ(training.at("zero_optimization").at("stage"), 3);
  EXPECT_EQ(training.at("optimizer").at("params").at("lr"), 1e-3);
  EXPECT_EQ(training.at("scheduler").at("type"), "WarmupCosineLR");
  EXPECT_EQ(training.at("scheduler").at("params").at("total_num_steps"), 1000);
  EXPECT_FALSE(training.at("scheduler").at("params").contains("type"));
}

TEST(ResolvedConfig, EnumsAreWrittenInDeepSpeedSpelling) {
  ResolvedConfig c = sample();
  c.training.communication_data_type = CommDataType::kFp32;
  c.training.optimizer.type = OptimizerType::kSgd;
  c.training.scheduler.warmup_type = WarmupType::kLinear;
  auto json = to_json(c);
  EXPECT_EQ(json.at("training").at("communication_data_type"), "fp32");
  EXPECT_EQ(json.at("training").at("optimizer").at("type"), "SGD");
  EXPECT_EQ(json.at("training").at("scheduler").at("params").at("warmup_type"), "linear");
  const auto defaults = to_json(ResolvedConfig{}).at("training");
  EXPECT_EQ(defaults.at("communication_data_type"), "");  // the working precision
  EXPECT_EQ(defaults.at("optimizer").at("type"), "AdamW");
  EXPECT_EQ(defaults.at("scheduler").at("type"), "");  // constant
  EXPECT_EQ(defaults.at("scheduler").at("params").at("warmup_type"), "log");

  // Every spelling reads back as its value; an unknown one is an error naming the file, not a default.
  for (const char* comm : {"", "fp32", "fp16", "bf16"}) {
    json["training"]["communication_data_type"] = comm;
    EXPECT_STREQ(to_string(resolved_config_from_json(json, "memory").training.communication_data_type), comm);
  }
  for (const char* type : {"", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR"}) {
    json["training"]["scheduler"]["type"] = type;
    EXPECT_STREQ(to_string(resolved_config_from_json(json, "memory").training.scheduler.type), type);
  }
  json["training"]["optimizer"]["type"] = "Lamb";
  try {
    resolved_config_from_json(json, "run/config.resolved.json");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("run/config.resolved.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'Lamb' is not one of AdamW | Adam | SGD"), std::string::npos) << e.what();
  }
}

TEST(ResolvedConfig, EnumSpellingsParseExactly) {
  EXPECT_EQ(parse_optimizer_type("AdamW"), OptimizerType::kAdamW);
  EXPECT_EQ(parse_optimizer_type("adamw"), std::nullopt);  // a user's spelling is resolve()'s to read
  EXPECT_EQ(parse_scheduler_type(""), SchedulerType::kConstant);
  EXPECT_EQ(parse_warmup_type("linear"), WarmupType::kLinear);
  EXPECT_EQ(parse_warmup_type("cubic"), std::nullopt);
  EXPECT_EQ(parse_comm_data_type("bf16"), CommDataType::kBf16);
  EXPECT_EQ(parse_comm_data_type("bfp16"), std::nullopt);
}

TEST(ResolvedConfig, FileWriteIsReadBack) {
  const std::string dir = testing::make_temp_dir("zl_resolved_");
  const std::string path = dir + "/config.resolved.json";
  write_resolved_config(sample(), path);
  EXPECT_EQ(to_json(read_resolved_config(path)), to_json(sample()));
}

TEST(ResolvedConfig, MalformedFileIsAConfigErrorNamingTheFile) {
  const std::string dir = testing::make_temp_dir("zl_resolved_");
  const std::string path = dir + "/broken.json";
  std::ofstream(path) << "{\"launch\": {\"num_processes\": \"four\"}, \"training\": {}}";
  try {
    read_resolved_config(path);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_resolved_config(dir + "/missing.json"), ConfigError);
}

}  // namespace
}  // namespace zl::config
