// What a DeepSpeed JSON or Accelerate YAML means, as DeepSpeed 0.19 and Accelerate 1.15 read it: the
// optimizer DeepSpeed's engine builds (deepspeed/runtime/engine.py _configure_basic_optimizer),
// keys that have no effect in zlaunch reported by name, duplicate keys refused, and what
// accelerate launch runs for each distributed_type. Each case here trained something else before.
#include <gtest/gtest.h>

#include "config_test_files.h"
#include "resolve_outcome.h"
#include "subprocess.h"
#include "zl/base/error.h"
#include "zl/config/resolve.h"
#include "zl/config/visible_gpus.h"

namespace zl::config {
namespace {

using testing_files::Outcome;
using testing_files::write_file;

// Resolves `files` (name -> text) with the first one as --config_file, for world size `world`.
Outcome resolve_files(const std::vector<std::pair<std::string, std::string>>& files, int world = 1) {
  const std::string dir = ::zl::testing::make_temp_dir("zl_semantics_");
  for (const auto& [name, text] : files) write_file(dir, name, text);
  ResolveRequest r;
  r.config_file = dir + "/" + files.front().first;
  r.read_environment = false;
  r.read_default_files = false;
  r.working_directory = dir;
  r.flags = {{"num_processes", std::to_string(world)}};
  return testing_files::resolve_outcome(r);
}

Outcome resolve_json(const std::string& json) { return resolve_files({{"ds.json", json}}); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string optimizer(const std::string& type, const std::string& params) {
  return R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": ")" + type + R"(", "params": {)" + params +
         "}}}";
}

TEST(DeepSpeedOptimizer, AdamWithWeightDecayIsDecoupledAsInDeepSpeed) {
  const Outcome adam = resolve_json(optimizer("Adam", R"("lr": 0.001, "weight_decay": 0.01)"));
  ASSERT_TRUE(adam.ok) << adam.errors;
  EXPECT_EQ(adam.config.training.optimizer.type, OptimizerType::kAdam);
  EXPECT_TRUE(adam.config.training.optimizer.adam_w_mode);
  const Outcome l2 = resolve_json(optimizer("Adam", R"("weight_decay": 0.01, "adam_w_mode": false)"));
  ASSERT_TRUE(l2.ok) << l2.errors;
  EXPECT_FALSE(l2.config.training.optimizer.adam_w_mode);
  // AdamW stays decoupled whatever adam_w_mode says, and the contradiction is named.
  const Outcome adamw = resolve_json(optimizer("AdamW", R"("weight_decay": 0.01, "adam_w_mode": false)"));
  ASSERT_TRUE(adamw.ok) << adamw.errors;
  EXPECT_TRUE(adamw.config.training.optimizer.adam_w_mode);
  EXPECT_TRUE(has(adamw.warnings(), "optimizer.params.adam_w_mode: has no effect with type AdamW")) << adamw.warnings();
}

TEST(DeepSpeedOptimizer, EveryParameterThatChangesTheUpdateIsImplementedOrRefused) {
  const Outcome no_correction = resolve_json(optimizer("AdamW", R"("bias_correction": false)"));
  ASSERT_TRUE(no_correction.ok) << no_correction.errors;
  EXPECT_FALSE(no_correction.config.training.optimizer.bias_correction);
  const Outcome torch_adam = resolve_json(optimizer("Adam", R"("torch_adam": true, "weight_decay": 0.1)"));
  ASSERT_TRUE(torch_adam.ok) << torch_adam.errors;
  EXPECT_TRUE(torch_adam.config.training.optimizer.adam_w_mode);  // torch.optim.AdamW
  struct Refused {
    std::string type, params, key;
  };
  for (const Refused& r : {Refused{"Adam", R"("amsgrad": true)", "optimizer.params.amsgrad: the AMSGrad variant"},
                           Refused{"Adam", R"("torch_adam": true, "bias_correction": false)",
                                   "optimizer.params.bias_correction: is not a parameter of torch.optim.Adam"},
                           Refused{"SGD", R"("momentum": 0.9, "nesterov": true)", "optimizer.params.nesterov"},
                           Refused{"SGD", R"("dampening": 0.1)", "optimizer.params.dampening"},
                           Refused{"SGD", R"("adam_w_mode": true)", "optimizer.params.adam_w_mode: not a parameter"},
                           Refused{"AdamW", R"("nesterov": false)", "optimizer.params.nesterov: not a parameter"},
                           Refused{"AdamW", R"("max_grad_norm": 1.0)", "gradient_clipping"}}) {
    const Outcome o = resolve_json(optimizer(r.type, r.params));
    EXPECT_FALSE(o.ok) << r.params;
    EXPECT_TRUE(has(o.errors, r.key)) << o.errors;
  }
  // Their defaults are accepted silently.
  const Outcome defaults =
      resolve_json(optimizer("Adam", R"("amsgrad": false, "bias_correction": true, "adam_w_mode": true)"));
  EXPECT_TRUE(defaults.ok) << defaults.errors;
  EXPECT_EQ(defaults.warnings(), "");
}

TEST(DeepSpeedOptimizer, SgdUnderZeroNeedsZeroAllowUntestedOptimizerAsInDeepSpeed) {
  const std::string sgd = R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "SGD"},
    "zero_optimization": {"stage": 2})";
  const Outcome refused = resolve_json(sgd + "}");
  ASSERT_FALSE(refused.ok);
  EXPECT_TRUE(has(refused.errors, "zero_allow_untested_optimizer")) << refused.errors;
  EXPECT_TRUE(resolve_json(sgd + R"(, "zero_allow_untested_optimizer": true})").ok);
  EXPECT_TRUE(resolve_json(R"({"train_micro_batch_size_per_gpu": 1, "optimizer": {"type": "SGD"}})").ok);  // stage 0
}

TEST(DeepSpeedKeys, SequenceParallelSizeAboveOneIsRefused) {
  const Outcome sp = resolve_json(R"({"train_micro_batch_size_per_gpu": 1, "sequence_parallel_size": 2})");
  ASSERT_FALSE(sp.ok);
  EXPECT_TRUE(has(sp.errors, "sequence_parallel_size: = 2: zlaunch runs data parallel only")) << sp.errors;
  EXPECT_TRUE(resolve_json(R"({"train_micro_batch_size_per_gpu": 1, "sequence_parallel_size": 1})").ok);
}

TEST(DeepSpeedKeys, KeysWithoutEffectAreReportedByNameOnlyWhenTheyAskForSomethingElse) {
  const Outcome asks = resolve_json(R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3,
    "contiguous_gradients": false, "reduce_scatter": false, "sub_group_size": 1000, "round_robin_gradients": true}})");
  ASSERT_TRUE(asks.ok) << asks.errors;
  for (const char* key : {"contiguous_gradients", "reduce_scatter", "sub_group_size", "round_robin_gradients"}) {
    EXPECT_TRUE(has(asks.warnings(), std::string("zero_optimization.") + key)) << key << "\n" << asks.warnings();
  }
  EXPECT_TRUE(has(asks.warnings(), "has no effect in zlaunch")) << asks.warnings();
  const Outcome as_zlaunch = resolve_json(R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3,
    "contiguous_gradients": true, "reduce_scatter": true, "sub_group_size": 1e9, "round_robin_gradients": false}})");
  ASSERT_TRUE(as_zlaunch.ok) << as_zlaunch.errors;
  EXPECT_FALSE(has(as_zlaunch.warnings(), "has no effect")) << as_zlaunch.warnings();
}

TEST(DeepSpeedFiles, DuplicateKeysAreRefusedAndHjsonOnlySyntaxIsReported) {
  const Outcome dup =
      resolve_json("{\n\"train_micro_batch_size_per_gpu\": 1,\n\"train_micro_batch_size_per_gpu\": 2\n}");
  ASSERT_FALSE(dup.ok);
  EXPECT_TRUE(has(dup.errors, "key 'train_micro_batch_size_per_gpu' (lines 2 and 3) is written twice")) << dup.errors;
  const Outcome hjson = resolve_json("{\n// per-GPU batch\n\"train_micro_batch_size_per_gpu\": 1,\n}");
  ASSERT_TRUE(hjson.ok) << hjson.errors;
  EXPECT_TRUE(has(hjson.warnings(), "has comments and a trailing comma (line 3), which only hjson reads"))
      << hjson.warnings();
  EXPECT_TRUE(has(hjson.warnings(), "Accelerate (json.load) refuse it")) << hjson.warnings();
}

const char* kDsFile = R"({"train_micro_batch_size_per_gpu": 2, "zero_optimization": {"stage": 3}})";

TEST(AccelerateYaml, MultiGpuAndMultiCpuRunDdpWhichIsStageZero) {
  for (const char* type : {"MULTI_CPU", "MULTI_GPU", "NO"}) {
    const int world = std::string(type) == "NO" ? 1 : 2;
    const Outcome o = resolve_files({{"a.yaml", std::string("distributed_type: ") + type + "\n"}}, world);
    ASSERT_TRUE(o.ok) << type << ": " << o.errors;
    EXPECT_EQ(o.config.training.zero_optimization.stage, 0) << type;
    EXPECT_TRUE(has(o.config.sources.at("zero_optimization.stage"), "DDP"))
        << o.config.sources.at("zero_optimization.stage");
  }
  // A DeepSpeed section beside MULTI_GPU is not read by Accelerate; said so, and not used.
  const Outcome ignored =
      resolve_files({{"a.yaml", "distributed_type: MULTI_CPU\ndeepspeed_config:\n  deepspeed_config_file: ds.json\n"},
                     {"ds.json", kDsFile}});
  ASSERT_TRUE(ignored.ok) << ignored.errors;
  EXPECT_EQ(ignored.config.training.zero_optimization.stage, 0);
  EXPECT_TRUE(has(ignored.warnings(), "deepspeed_config is ignored: with distributed_type MULTI_CPU"))
      << ignored.warnings();
}

TEST(AccelerateYaml, DistributedTypeNoRunsOneProcess) {
  const Outcome four = resolve_files({{"a.yaml", "distributed_type: 'NO'\n"}}, 4);
  ASSERT_FALSE(four.ok);
  EXPECT_TRUE(has(four.errors, "4 processes, but")) << four.errors;
  EXPECT_TRUE(has(four.errors, "is NO, which accelerate launch runs as one process")) << four.errors;
  EXPECT_TRUE(resolve_files({{"a.yaml", "distributed_type: 'NO'\n"}}, 1).ok);
}

TEST(AccelerateYaml, ParallelismSizesAboveOneAreRefusedByName) {
  const Outcome cp = resolve_files({{"a.yaml",
                                     "distributed_type: DEEPSPEED\nuse_cpu: true\nparallelism_config:\n"
                                     "  parallelism_config_dp_shard_size: 2\n  parallelism_config_cp_size: 2\n"}});
  ASSERT_FALSE(cp.ok);
  EXPECT_TRUE(has(cp.errors, "parallelism_config.parallelism_config_cp_size: = 2: zlaunch runs data parallel only"))
      << cp.errors;
  EXPECT_FALSE(has(cp.errors, "dp_shard_size")) << cp.errors;
  const Outcome ones = resolve_files(
      {{"a.yaml",
        "distributed_type: DEEPSPEED\nuse_cpu: true\nparallelism_config:\n  parallelism_config_sp_size: 1\n"}});
  EXPECT_TRUE(ones.ok) << ones.errors;
}

TEST(AccelerateYaml, ValuesBesideADeepSpeedFileAreRefusedAsAccelerateDoes) {
  const Outcome o = resolve_files({{"a.yaml",
                                    "distributed_type: DEEPSPEED\nmixed_precision: 'no'\n"
                                    "deepspeed_config:\n  deepspeed_config_file: ds.json\n"
                                    "  gradient_accumulation_steps: 4\n  zero3_init_flag: true\n"},
                                   {"ds.json", kDsFile}});
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "a.yaml: mixed_precision: set next to deepspeed_config_file")) << o.errors;
  EXPECT_TRUE(has(o.errors, "a.yaml: deepspeed_config.gradient_accumulation_steps: set next to")) << o.errors;
  EXPECT_FALSE(has(o.errors, "zero3_init_flag: set next")) << o.errors;
  // use_cpu: accelerate launch skips that check; the file's value wins, with a warning.
  const Outcome cpu = resolve_files({{"a.yaml",
                                      "distributed_type: DEEPSPEED\nuse_cpu: true\nmixed_precision: 'no'\n"
                                      "deepspeed_config:\n  deepspeed_config_file: ds.json\n"},
                                     {"ds.json", kDsFile}});
  EXPECT_TRUE(cpu.ok) << cpu.errors;
}

int two_gpus() { return 2; }

TEST(AccelerateYaml, DeepSpeedTrainsOnTheGpusWhenAnyAreVisibleUnlessUseCpu) {
  set_visible_gpu_counter(nullptr);
  const Outcome none = resolve_files({{"a.yaml", "distributed_type: DEEPSPEED\n"}});
  ASSERT_TRUE(none.ok) << none.errors;
  EXPECT_EQ(none.config.launch.device, DeviceKind::kCpu);
  EXPECT_TRUE(has(none.warnings(), "training on the CPU, no GPU visible")) << none.warnings();
  set_visible_gpu_counter(&two_gpus);
  const Outcome gpus = resolve_files({{"a.yaml", "distributed_type: DEEPSPEED\n"}});
  const Outcome use_cpu = resolve_files({{"a.yaml", "distributed_type: DEEPSPEED\nuse_cpu: true\n"}});
  set_visible_gpu_counter(nullptr);
  ASSERT_TRUE(gpus.ok) << gpus.errors;
  EXPECT_EQ(gpus.config.launch.device, DeviceKind::kCuda);
  EXPECT_TRUE(has(gpus.warnings(), "training on the GPUs (cuda), 2 GPU(s) visible")) << gpus.warnings();
  ASSERT_TRUE(use_cpu.ok) << use_cpu.errors;
  EXPECT_EQ(use_cpu.config.launch.device, DeviceKind::kCpu);
  EXPECT_TRUE(has(use_cpu.config.sources.at("device"), "use_cpu: true")) << use_cpu.config.sources.at("device");
}

}  // namespace
}  // namespace zl::config
