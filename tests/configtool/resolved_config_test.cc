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
  c.training.scheduler.type = "WarmupCosineLR";
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
