// resolve(): built-in defaults, "auto" resolution (batch, buckets from the model, precision), the
// launch YAML forms (deepspeed_config_file relative to the YAML, inline deepspeed_config, Accelerate
// keys) and the model recorded for the trainer.
#include "zl/config/resolve.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "config_test_files.h"
#include "subprocess.h"
#include "zl/base/error.h"

namespace zl::config {
namespace {

using testing_files::write_file;

ResolveRequest isolated(const std::string& config_file = "") {
  ResolveRequest r;
  r.config_file = config_file;
  r.read_environment = false;
  r.read_default_files = false;
  return r;
}

TEST(Resolve, DefaultsAreTheTrainersAndValidForAnyWorldSize) {
  for (const int n : {1, 2, 3, 4, 7, 16}) {
    ResolveRequest r = isolated();
    r.flags["num_processes"] = std::to_string(n);
    const ResolvedConfig c = resolve(r);
    EXPECT_EQ(c.launch.num_processes, n);
    EXPECT_EQ(c.training.train_micro_batch_size_per_gpu, 8);
    EXPECT_EQ(c.training.gradient_accumulation_steps, 1);
    EXPECT_EQ(c.training.train_batch_size, 8 * n);
    EXPECT_EQ(c.training.zero_optimization.stage, 2);
    EXPECT_EQ(c.training.optimizer.type, OptimizerType::kAdamW);
    EXPECT_DOUBLE_EQ(c.training.optimizer.lr, 1e-3);
    EXPECT_DOUBLE_EQ(c.training.optimizer.weight_decay, 0.0);
    EXPECT_DOUBLE_EQ(c.training.optimizer.betas[0], 0.9);
    EXPECT_DOUBLE_EQ(c.training.optimizer.betas[1], 0.999);
    EXPECT_EQ(c.training.steps_per_print, 10);
    EXPECT_EQ(c.training.seed, 1234u);
    EXPECT_DOUBLE_EQ(c.training.gradient_clipping, 1.0);
    EXPECT_EQ(c.launch.model, "small");
    EXPECT_EQ(c.sources.at("num_processes"), "flag --num_processes");
    EXPECT_EQ(c.sources.at("zero_optimization.stage"), "default");
  }
}

TEST(Resolve, AutoBucketSizesDeriveFromTheModelHiddenSize) {
  const std::string dir = testing::make_temp_dir("zl_resolve_");
  const std::string ds = write_file(dir, "ds.json", R"({"train_micro_batch_size_per_gpu": 2,
    "zero_optimization": {"stage": 3, "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
                          "stage3_param_persistence_threshold": "auto"}})");
  ResolveRequest r = isolated(ds);
  r.model = parse_model_spec("gpt2", "test");  // h = 768
  ResolvedConfig c = resolve(r);
  EXPECT_EQ(c.training.zero_optimization.reduce_bucket_size, 768 * 768);
  EXPECT_EQ(c.training.zero_optimization.stage3_prefetch_bucket_size, 530841);  // floor(0.9 * 589824)
  EXPECT_EQ(c.training.zero_optimization.stage3_param_persistence_threshold, 7680);
  EXPECT_EQ(c.launch.model, "gpt2");
  EXPECT_NE(c.sources.at("zero_optimization.reduce_bucket_size").find("auto (h²"), std::string::npos);

  // A launch YAML's model wins over the caller's; without either the default "small" (h = 128) is used.
  const std::string yaml = write_file(dir, "launch.yaml", "model: 2,2,96,64,256\ndeepspeed_config_file: ds.json\n");
  r.config_file = yaml;
  c = resolve(r);
  EXPECT_EQ(c.launch.model, "2,2,96,64,256");
  EXPECT_EQ(c.training.zero_optimization.reduce_bucket_size, 96 * 96);
  EXPECT_EQ(c.sources.at("model"), "file " + yaml);
  c = resolve(isolated(ds));
  EXPECT_EQ(c.training.zero_optimization.reduce_bucket_size, 128 * 128);
  EXPECT_EQ(c.training.zero_optimization.stage3_param_persistence_threshold, 1280);
}

TEST(Resolve, AutoBatchKeysTakeTheTrainerDefaultsAndExplicitAccumulation) {
  const std::string dir = testing::make_temp_dir("zl_resolve_");
  const std::string ds =
      write_file(dir, "ds.json", R"({"train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto",
    "gradient_accumulation_steps": 2, "fp16": {"enabled": "auto"}, "gradient_clipping": "auto"})");
  ResolveRequest r = isolated(ds);
  r.flags["num_processes"] = "3";
  r.flags["mixed_precision"] = "fp16";
  const ResolvedConfig c = resolve(r);
  EXPECT_EQ(c.training.train_micro_batch_size_per_gpu, 8);
  EXPECT_EQ(c.training.gradient_accumulation_steps, 2);
  EXPECT_EQ(c.training.train_batch_size, 48);
  EXPECT_TRUE(c.training.fp16.enabled);
  EXPECT_EQ(c.launch.mixed_precision, Precision::kFp16);
  EXPECT_DOUBLE_EQ(c.training.gradient_clipping, 1.0);
  EXPECT_EQ(c.training.zero_optimization.stage, 0);  // a DeepSpeed document without a stage: DeepSpeed's 0
  EXPECT_EQ(c.sources.at("gradient_accumulation_steps"), "file " + ds);
  EXPECT_NE(c.sources.at("train_batch_size").find("auto (micro × accumulation × world size = 8 * 2 * 3)"),
            std::string::npos)
      << c.sources.at("train_batch_size");
}

TEST(Resolve, YamlNamesItsDeepSpeedFileRelativeToItsFolder) {
  const std::string dir = testing::make_temp_dir("zl_resolve_");
  write_file(dir, "ds/zero3.json", R"({"train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 3}})");
  const std::string yaml =
      write_file(dir, "conf/launch.yaml", "num_processes: 2\ndeepspeed_config_file: ../ds/zero3.json\n");
  ResolveRequest r = isolated(yaml);
  r.working_directory = "/";
  const ResolvedConfig c = resolve(r);
  EXPECT_EQ(c.training.zero_optimization.stage, 3);
  EXPECT_EQ(c.training.train_batch_size, 8);
  ASSERT_EQ(c.files_used.size(), 2u);
  EXPECT_EQ(c.files_used[1], dir + "/ds/zero3.json");
}

TEST(Resolve, InlineDeepSpeedMappingAndAccelerateKeysAreRead) {
  const std::string dir = testing::make_temp_dir("zl_resolve_");
  const std::string accelerate = write_file(dir, "accelerate.yaml", R"(compute_environment: LOCAL_MACHINE
debug: false
deepspeed_config:
  gradient_accumulation_steps: 4
  gradient_clipping: 0.5
  offload_optimizer_device: cpu
  offload_param_device: none
  zero3_init_flag: true
  zero_stage: 3
distributed_type: DEEPSPEED
machine_rank: 0
main_training_function: main
mixed_precision: bf16
num_machines: 1
num_processes: 2
use_cpu: true
)");
  const ResolvedConfig c = resolve(isolated(accelerate));
  EXPECT_EQ(c.training.zero_optimization.stage, 3);
  EXPECT_EQ(c.training.gradient_accumulation_steps, 4);
  EXPECT_EQ(c.training.train_batch_size, 8 * 4 * 2);
  EXPECT_DOUBLE_EQ(c.training.gradient_clipping, 0.5);
  EXPECT_EQ(c.training.zero_optimization.offload_optimizer.device, OffloadDevice::kCpu);
  EXPECT_TRUE(c.training.bf16_enabled);
  EXPECT_EQ(c.launch.device, DeviceKind::kCpu);
  bool warned_ignored = false;
  for (const auto& w : c.warnings)
    warned_ignored = warned_ignored || w.find("main_training_function") != std::string::npos;
  EXPECT_TRUE(warned_ignored);

  const std::string inline_ds = write_file(dir, "inline.yaml", R"(num_processes: 4
deepspeed_config:
  train_batch_size: 64
  train_micro_batch_size_per_gpu: 4
  zero_optimization:
    stage: 1
)");
  const ResolvedConfig d = resolve(isolated(inline_ds));
  EXPECT_EQ(d.training.gradient_accumulation_steps, 4);
  EXPECT_EQ(d.training.zero_optimization.stage, 1);
}

TEST(Resolve, YamlPluginKeysFillAutoButYieldToExplicitFileValues) {
  const std::string dir = testing::make_temp_dir("zl_resolve_");
  write_file(dir, "ds.json", R"({"train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
    "gradient_clipping": 0.25, "zero_optimization": {"stage": 1}})");
  const std::string yaml = write_file(dir, "accelerate.yaml", R"(num_processes: 2
deepspeed_config:
  deepspeed_config_file: ds.json
  gradient_accumulation_steps: 4
  gradient_clipping: 1.0
  zero_stage: 3
)");
  const ResolvedConfig c = resolve(isolated(yaml));
  EXPECT_EQ(c.training.gradient_accumulation_steps, 4);  // "auto" filled from the YAML
  EXPECT_DOUBLE_EQ(c.training.gradient_clipping, 0.25);  // the file's explicit value wins
  EXPECT_EQ(c.training.zero_optimization.stage, 1);
  std::string warnings;
  for (const auto& w : c.warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("deepspeed_config.zero_stage: ignored: " + dir + "/ds.json sets zero_optimization.stage = 1"),
            std::string::npos)
      << warnings;
}

TEST(Resolve, DeepSpeedKeysFollowThePrecedenceToo) {
  const std::string dir = testing::make_temp_dir("zl_resolve_");
  const std::string ds =
      write_file(dir, "ds.json", R"({"train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": 1}})");
  ResolveRequest r = isolated(ds);
  r.read_environment = true;
  for (const char* key :
       {"NUM_MACHINES", "MACHINE_RANK", "MAIN_PROCESS_IP", "MAIN_PROCESS_PORT", "LAUNCHER", "HOSTFILE", "DEVICE",
        "MIXED_PRECISION", "MAX_RESTARTS", "LOG_DIR", "METRICS_PORT", "MODEL", "DEEPSPEED_CONFIG_FILE"}) {
    ::unsetenv((std::string("ZLAUNCH_") + key).c_str());  // only the two variables below take part
  }
  ::setenv("ZLAUNCH_ZERO_STAGE", "2", 1);
  ::setenv("ZLAUNCH_NUM_PROCESSES", "5", 1);
  ResolvedConfig c = resolve(r);
  EXPECT_EQ(c.training.zero_optimization.stage, 2);
  EXPECT_EQ(c.sources.at("zero_optimization.stage"), "env ZLAUNCH_ZERO_STAGE");
  EXPECT_EQ(c.training.train_batch_size, 10);
  r.flags["zero_stage"] = "3";
  c = resolve(r);
  EXPECT_EQ(c.training.zero_optimization.stage, 3);
  EXPECT_EQ(c.sources.at("zero_optimization.stage"), "flag --zero_stage");
  ::setenv("ZLAUNCH_NUM_PROCESSES", "many", 1);
  try {
    resolve(r);
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("env ZLAUNCH_NUM_PROCESSES: 'many' is not an integer"), std::string::npos)
        << e.what();
  }
  ::unsetenv("ZLAUNCH_ZERO_STAGE");
  ::unsetenv("ZLAUNCH_NUM_PROCESSES");
}

TEST(Resolve, ResolvedJsonCarriesTheModelAndRoundTrips) {
  ResolveRequest r = isolated();
  r.flags["model"] = "tiny";
  const ResolvedConfig c = resolve(r);
  const auto json = to_json(c);
  EXPECT_EQ(json.at("launch").at("model"), "tiny");
  EXPECT_EQ(to_json(resolved_config_from_json(json, "memory")), json);
}

}  // namespace
}  // namespace zl::config
