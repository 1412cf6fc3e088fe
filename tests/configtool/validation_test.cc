// Validation with DeepSpeed's semantics (DESIGN.md §2): every problem at once with its key path and a
// fix, did-you-mean for unknown keys, warnings for known-but-unimplemented and deprecated keys.
#include "zl/config/resolve.h"

#include <gtest/gtest.h>

#include "config_test_files.h"
#include "resolve_outcome.h"
#include "subprocess.h"
#include "zl/base/error.h"

namespace zl::config {
namespace {

using testing_files::Outcome;
using testing_files::write_file;

Outcome check(const std::string& json, std::map<std::string, std::string> flags = {}) {
  const std::string dir = testing::make_temp_dir("zl_validate_");
  ResolveRequest r;
  r.config_file = write_file(dir, "ds.json", json);
  r.read_environment = false;
  r.read_default_files = false;
  r.flags = std::move(flags);
  return testing_files::resolve_outcome(r);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Validation, UnknownKeysAtEveryLevelGetDidYouMean) {
  const Outcome o = check(R"({"train_micro_batch_size_per_gpu": 1, "zero_optimisation": {"stage": 1},
    "optimizer": {"type": "AdamW", "params": {"lr": 0.1, "weight_decai": 0.1}}, "fp16": {"enabeld": true}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "zero_optimisation: unknown key 'zero_optimisation' (did you mean 'zero_optimization'?)"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "optimizer.params.weight_decai: unknown key 'weight_decai' (did you mean 'weight_decay'?)"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "fp16.enabeld: unknown key 'enabeld' (did you mean 'enabled'?)")) << o.errors;
  EXPECT_TRUE(has(o.errors, "(3 problems)")) << o.errors;
}

TEST(Validation, KnownButUnimplementedKeysWarnByName) {
  const Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1, "activation_checkpointing": {"partition_activations": true},
    "zero_optimization": {"stage": 2, "allgather_partitions": true}})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_TRUE(has(o.warnings(), "activation_checkpointing: DeepSpeed key not implemented by zlaunch")) << o.warnings();
  EXPECT_TRUE(has(o.warnings(), "zero_optimization.allgather_partitions")) << o.warnings();
}

TEST(Validation, TypesFollowDeepSpeedIntegralFloatsAreIntegers) {
  Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 2, "reduce_bucket_size": 5e8}})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.training.zero_optimization.reduce_bucket_size, 500000000);
  o = check(R"({"train_micro_batch_size_per_gpu": 1.5, "steps_per_print": "ten", "fp16": {"enabled": "yes"}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "train_micro_batch_size_per_gpu: expected an integer, got 1.5")) << o.errors;
  EXPECT_TRUE(has(o.errors, "steps_per_print: expected an integer, got \"ten\"")) << o.errors;
  EXPECT_TRUE(has(o.errors, "fp16.enabled: expected true or false")) << o.errors;
}

TEST(Validation, Fp16AndBf16TogetherAreRejected) {
  const Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1, "fp16": {"enabled": true}, "bf16": {"enabled": true}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "fp16 and bf16 are both enabled")) << o.errors;
  EXPECT_TRUE(has(o.errors, "ds.json: fp16.enabled: ")) << o.errors;     // the key path
  EXPECT_TRUE(has(o.errors, "enable at most one of them")) << o.errors;  // the fix
}

TEST(Validation, CommunicationDataTypeIsTheWorkingPrecisionOrFp32) {
  Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1, "bf16": {"enabled": true}, "communication_data_type": "fp16"})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "ds.json: communication_data_type: 'fp16' with bf16 training is not supported"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "use \"fp32\", or remove the key to reduce in bf16")) << o.errors;
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "communication_data_type": "bf16"})");
  EXPECT_TRUE(has(o.errors, "'bf16' with fp32 training is not supported")) << o.errors;
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "communication_data_type": "fp8"})");
  EXPECT_TRUE(has(o.errors, "communication_data_type: 'fp8' is not one of fp32 | fp16 | bf16")) << o.errors;
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "bf16": {"enabled": true}, "communication_data_type": "bfp16"})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.training.communication_data_type, CommDataType::kBf16);
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "fp16": {"enabled": true}, "communication_data_type": "fp32"})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.training.communication_data_type, CommDataType::kFp32);
  o = check(R"({"train_micro_batch_size_per_gpu": 1})");
  EXPECT_EQ(o.config.training.communication_data_type, CommDataType::kWorking);
}

TEST(Validation, OffloadParamNeedsStageThreeAndNvmeIsUnsupported) {
  Outcome o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 2, "offload_param": {"device": "cpu"}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(
      has(o.errors, "zero_optimization.offload_param: parameter offload needs ZeRO stage 3, but the stage is 2"))
      << o.errors;
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3, "offload_optimizer": {"device": "nvme"}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "offload to nvme is not supported")) << o.errors;
}

TEST(Validation, OffloadParamOnTheGpuNeedsOffloadOptimizer) {
  const std::string alone = R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3,
    "offload_param": {"device": "cpu"}}})";
  Outcome o = check(alone, {{"device", "cuda"}});
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors,
                  "zero_optimization.offload_param: parameter offload without optimizer offload is not "
                  "supported"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "offload_optimizer.device to \"cpu\"")) << o.errors;
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3,
    "offload_param": {"device": "cpu"}, "offload_optimizer": {"device": "cpu", "pin_memory": true}}})",
            {{"device", "cuda"}});
  EXPECT_TRUE(o.ok) << o.errors;
  o = check(alone, {{"device", "cpu"}});  // on the CPU offload is ignored (a warning), not an error
  EXPECT_TRUE(o.ok) << o.errors;
}

TEST(Validation, StageThreeKeysBelowStageThreeAndCpuOffloadOnCpuWarn) {
  const Outcome o = check(R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 1,
    "stage3_prefetch_bucket_size": 100, "offload_optimizer": {"device": "cpu"}}})",
                          {{"device", "cpu"}});
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_TRUE(has(o.warnings(), "stage-3 settings have no effect at stage 1")) << o.warnings();
  EXPECT_TRUE(has(o.warnings(), "stage3_prefetch_bucket_size")) << o.warnings();
  EXPECT_TRUE(has(o.warnings(), "offload to cpu is meaningless on device cpu")) << o.warnings();
}

TEST(Validation, DeprecatedKeysAreAcceptedNamingTheNewKey) {
  const Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1, "bfloat16": {"enabled": true}, "zero_optimization": {"stage": 3,
    "cpu_offload": true, "cpu_offload_params": true, "stage3_gather_fp16_weights_on_model_save": true}})");
  ASSERT_TRUE(o.ok) << o.errors;
  const auto& z = o.config.training.zero_optimization;
  EXPECT_EQ(z.offload_optimizer.device, OffloadDevice::kCpu);
  EXPECT_EQ(z.offload_param.device, OffloadDevice::kCpu);
  EXPECT_TRUE(z.stage3_gather_16bit_weights_on_model_save);
  EXPECT_TRUE(o.config.training.bf16_enabled);
  EXPECT_TRUE(has(o.warnings(), "accepted as 'zero_optimization.stage3_gather_16bit_weights_on_model_save'"))
      << o.warnings();
  EXPECT_TRUE(has(o.warnings(), "accepted as zero_optimization.offload_optimizer.device")) << o.warnings();
  EXPECT_TRUE(has(o.warnings(), "accepted as zero_optimization.offload_param.device")) << o.warnings();
  EXPECT_TRUE(has(o.warnings(), "bfloat16: deprecated DeepSpeed key; accepted as 'bf16'")) << o.warnings();
}

TEST(Validation, OptimizerTypesAndParameters) {
  Outcome o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "Lamb", "params": {"lr": 0.1, "max_coeff": 0.3}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(
      has(o.errors, "optimizer.type: DeepSpeed's Lamb optimizer is not supported by zlaunch; use Adam, AdamW or SGD"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "(1 problem)")) << o.errors;  // the Lamb parameters are not reported on top
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "AdamWW"}})");
  EXPECT_TRUE(has(o.errors, "unknown optimizer 'AdamWW' (did you mean 'AdamW'?)")) << o.errors;
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "adam", "params": {"lr": -1, "betas": [0.9, 1.5], "momentum": 0.9}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "optimizer.params.lr: -1 is out of range")) << o.errors;
  EXPECT_TRUE(has(o.errors, "both betas must be in [0, 1)")) << o.errors;
  EXPECT_TRUE(has(o.errors, "optimizer.params.momentum: not a parameter of Adam")) << o.errors;
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "sgd", "params": {"lr": 0.1, "momentum": 0.9}}})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.training.optimizer.type, OptimizerType::kSgd);
  EXPECT_DOUBLE_EQ(o.config.training.optimizer.momentum, 0.9);
}

TEST(Validation, SchedulerTypesAndParameters) {
  Outcome o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "scheduler": {"type": "OneCycle", "params": {"cycle_min_lr": 0.1}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "scheduler.type: DeepSpeed's OneCycle schedule is not supported")) << o.errors;
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "scheduler": {"type": "WarmupLR", "params": {"warmup_type": "cubic"}}})");
  EXPECT_TRUE(has(o.errors, "scheduler.params.warmup_type: 'cubic' is not one of log | linear")) << o.errors;
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "scheduler": {"type": "WarmupDecayLR", "params": {"warmup_num_steps": 10, "cos_min_ratio": 0.1}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "WarmupDecayLR needs scheduler.params.total_num_steps")) << o.errors;
  EXPECT_TRUE(has(o.errors, "scheduler.params.cos_min_ratio: not a parameter of WarmupDecayLR")) << o.errors;
  o = check(R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "AdamW", "params": {"lr": 0.01}},
    "scheduler": {"type": "WarmupLR", "params": {"warmup_max_lr": "auto", "warmup_num_steps": 5, "warmup_type": "linear"}}})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_DOUBLE_EQ(o.config.training.scheduler.warmup_max_lr, 0.01);
  EXPECT_EQ(o.config.training.scheduler.warmup_type, WarmupType::kLinear);
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "scheduler": {"type": "WarmupCosineLR", "params": {"warmup_num_steps": 50, "total_num_steps": 20}}})");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "total_num_steps 20 is shorter than warmup_num_steps 50")) << o.errors;
  o = check(
      R"({"train_micro_batch_size_per_gpu": 1, "scheduler": {"type": "WarmupDecayLR", "params": {"warmup_num_steps": 1500, "total_num_steps": "auto"}}})");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.training.scheduler.total_num_steps, 0);  // the trainer's step count
  EXPECT_EQ(o.config.sources.at("scheduler.params.total_num_steps"), "auto (0 = the trainer's step count)");
}

TEST(Validation, LaunchValuesPortsAndMachines) {
  const Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1})",
            {{"num_processes", "6"}, {"num_machines", "4"}, {"main_process_port", "70000"}, {"metrics_port", "-1"}});
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "num_processes 6 (the total over all machines) is not divisible by num_machines 4"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "flag --main_process_port (main_process_port): 70000 is out of range [0, 65535]"))
      << o.errors;
  EXPECT_TRUE(has(o.errors, "flag --metrics_port (metrics.port): -1 is out of range")) << o.errors;
}

TEST(Validation, CliMixedPrecisionContradictingTheJsonIsAnError) {
  const Outcome o =
      check(R"({"train_micro_batch_size_per_gpu": 1, "fp16": {"enabled": true}})", {{"mixed_precision", "bf16"}});
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(
      has(o.errors, "flag --mixed_precision (mixed_precision): mixed_precision bf16 contradicts fp16.enabled = true"))
      << o.errors;
  const Outcome agree =
      check(R"({"train_micro_batch_size_per_gpu": 1, "fp16": {"enabled": true}})", {{"mixed_precision", "fp16"}});
  EXPECT_TRUE(agree.ok) << agree.errors;
}

TEST(Validation, LaunchYamlProblemsNameTheKeyAndTheFix) {
  const std::string dir = testing::make_temp_dir("zl_validate_");
  ResolveRequest r;
  r.config_file = write_file(dir, "launch.yaml", R"(num_proceses: 4
distributed_type: FSDP
compute_environment: AMAZON_SAGEMAKER
mixed_precision: fp8
metrics:
  prot: 9000
deepspeed_config_file: missing.json
)");
  r.read_environment = false;
  r.read_default_files = false;
  r.working_directory = dir;
  try {
    resolve(r);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_TRUE(has(m, "num_proceses: unknown key 'num_proceses' (did you mean 'num_processes'?)")) << m;
    EXPECT_TRUE(has(m, "distributed_type: 'FSDP' is not supported")) << m;
    EXPECT_TRUE(has(m, "compute_environment: 'AMAZON_SAGEMAKER' is not supported")) << m;
    EXPECT_TRUE(has(m, "mixed_precision: 'fp8' is not one of no | fp16 | bf16")) << m;
    EXPECT_TRUE(has(m, "metrics.prot: unknown key 'prot' (did you mean 'port'?)")) << m;
    EXPECT_TRUE(has(m, "'missing.json' not found: neither " + dir + "/missing.json (next to the YAML)")) << m;
    EXPECT_TRUE(has(m, "(6 problems)")) << m;
  }
}

TEST(Validation, EveryProblemIsReportedAtOnce) {
  const Outcome o =
      check(R"({"train_batch_size": 64, "train_micro_batch_size_per_gpu": 16, "gradient_accumulation_steps": 4,
    "zero_optimization": {"stage": 5}, "optimizer": {"type": "Lion"}, "trian_batch_size": 1})",
            {{"num_processes", "4"}});
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "(4 problems)")) << o.errors;
  EXPECT_TRUE(has(o.errors, "train_batch_size 64 != 16 * 4 * 4")) << o.errors;
  EXPECT_TRUE(has(o.errors, "zero_optimization.stage: 5 is out of range [0, 3]")) << o.errors;
  EXPECT_TRUE(has(o.errors, "Lion optimizer is not supported")) << o.errors;
  EXPECT_TRUE(has(o.errors, "did you mean 'train_batch_size'")) << o.errors;
}

}  // namespace
}  // namespace zl::config
