// The torchrun and accelerate launch variables zlaunch gives a program (program_environment.h), for
// configs resolved from real files: which of accelerate launch's paths a config takes, which plugin
// variables it sets (only for values the user gave), the DeepSpeed document the program reads, and the
// value spellings (Python's str(float), torchrun's stream selections). The end-to-end comparison with
// the real packages is scripts/compare-launchers.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"
#include "zl/base/error.h"
#include "zl/config/resolve.h"
#include "zl/launcher/launch_plan.h"
#include "zl/launcher/program_environment.h"
#include "zl/launcher/stream_selection.h"

namespace zl::launcher {
namespace {

class ProgramEnvironmentTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }

  config::ResolvedConfig resolve(const std::string& file, const std::string& text,
                                 std::map<std::string, std::string> flags = {}) {
    std::ofstream(dir_ + "/" + file) << text;
    config::ResolveRequest request;
    request.config_file = dir_ + "/" + file;
    request.flags = std::move(flags);
    request.read_environment = false;
    request.read_default_files = false;
    request.working_directory = dir_;
    return config::resolve(request);
  }

  std::string dir_ = testing::make_temp_dir("zl_program_env_");
};

TEST_F(ProgramEnvironmentTest, DeepSpeedPluginYamlSetsThePluginVariablesAccelerateWould) {
  const auto config = resolve("plugin.yaml",
                              "distributed_type: DEEPSPEED\n"
                              "mixed_precision: fp16\n"
                              "num_processes: 2\n"
                              "deepspeed_config:\n"
                              "  zero_stage: 2\n"
                              "  gradient_accumulation_steps: 4\n"
                              "  gradient_clipping: 1.0\n"
                              "  offload_optimizer_device: cpu\n"
                              "  zero3_init_flag: false\n");
  const auto env = accelerate_environment(config, dir_);
  EXPECT_EQ(env.at("ACCELERATE_USE_DEEPSPEED"), "true");
  EXPECT_EQ(env.at("ACCELERATE_MIXED_PRECISION"), "fp16");
  EXPECT_EQ(env.at("ACCELERATE_DEEPSPEED_ZERO_STAGE"), "2");
  EXPECT_EQ(env.at("ACCELERATE_GRADIENT_ACCUMULATION_STEPS"), "4");
  EXPECT_EQ(env.at("ACCELERATE_GRADIENT_CLIPPING"), "1.0");
  EXPECT_EQ(env.at("ACCELERATE_DEEPSPEED_OFFLOAD_OPTIMIZER_DEVICE"), "cpu");
  EXPECT_EQ(env.at("ACCELERATE_DEEPSPEED_ZERO3_INIT"), "false");
  EXPECT_EQ(env.at("ACCELERATE_CONFIG_DS_FIELDS"),
            "gradient_accumulation_steps,gradient_clipping,offload_optimizer_device,zero3_init_flag,zero_stage,"
            "mixed_precision");
  EXPECT_EQ(env.count("ACCELERATE_DEEPSPEED_OFFLOAD_PARAM_DEVICE"), 0u) << "not given: the plugin's default";
  EXPECT_EQ(env.count("ACCELERATE_DYNAMO_BACKEND"), 0u) << "the DeepSpeed path sets no dynamo variable";
  const std::string here = std::filesystem::path(dir_).lexically_normal().string();
  EXPECT_EQ(env.at("PYTHONPATH").substr(env.at("PYTHONPATH").size() - here.size()), here);
  EXPECT_TRUE(config.program.deepspeed_document.is_null()) << "plugin style: Accelerate builds the config itself";
}

TEST_F(ProgramEnvironmentTest, EmptyPluginLeavesEveryDefaultToDeepSpeedPlugin) {
  const auto config = resolve("plugin.yaml", "distributed_type: DEEPSPEED\ndeepspeed_config: {}\nnum_processes: 2\n");
  const auto env = accelerate_environment(config, dir_);
  EXPECT_EQ(env.at("ACCELERATE_USE_DEEPSPEED"), "true");
  for (const char* name : {"ACCELERATE_DEEPSPEED_ZERO_STAGE", "ACCELERATE_GRADIENT_ACCUMULATION_STEPS",
                           "ACCELERATE_GRADIENT_CLIPPING", "ACCELERATE_DEEPSPEED_OFFLOAD_OPTIMIZER_DEVICE"}) {
    EXPECT_EQ(env.count(name), 0u) << name << " would replace DeepSpeedPlugin's default with the trainer's";
  }
}

TEST_F(ProgramEnvironmentTest, DeepSpeedFileIsThePrograms_WithFlagsWrittenOverIt) {
  std::ofstream(dir_ + "/ds.json") << R"({"train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": 2,
      "zero_optimization": {"stage": 1, "overlap_comm": true}, "flops_profiler": {"enabled": false}})";
  const auto config = resolve("launch.yaml",
                              "distributed_type: DEEPSPEED\nnum_processes: 2\n"
                              "deepspeed_config:\n  deepspeed_config_file: ds.json\n",
                              {{"zero_stage", "2"}});
  const auto& document = config.program.deepspeed_document;
  ASSERT_TRUE(document.is_object());
  EXPECT_EQ(document["zero_optimization"]["stage"], 2) << "the flag wins, as in zlaunch's own resolution";
  EXPECT_EQ(document["zero_optimization"]["overlap_comm"], true);
  EXPECT_EQ(document["train_micro_batch_size_per_gpu"], "auto") << "the program fills it";
  EXPECT_EQ(document["flops_profiler"]["enabled"], false) << "keys zlaunch does not use reach the program";
  const auto env = accelerate_environment(config, dir_);
  EXPECT_EQ(env.at("ACCELERATE_DEEPSPEED_ZERO_STAGE"), "2");
  EXPECT_EQ(env.count("ACCELERATE_GRADIENT_ACCUMULATION_STEPS"), 0u) << "the file carries it";
  EXPECT_EQ(env.at("ACCELERATE_CONFIG_DS_FIELDS"), "deepspeed_config_file");
}

TEST_F(ProgramEnvironmentTest, MultiCpuTakesTheSimpleLaunchersVariables) {
  const auto config = resolve("cpu.yaml", "distributed_type: MULTI_CPU\nnum_processes: 2\nmixed_precision: bf16\n");
  const auto env = accelerate_environment(config, dir_);
  EXPECT_FALSE(program_uses_deepspeed(config));
  EXPECT_EQ(env.count("ACCELERATE_USE_DEEPSPEED"), 0u);
  EXPECT_EQ(env.at("ACCELERATE_USE_CPU"), "True");
  EXPECT_EQ(env.at("ACCELERATE_MIXED_PRECISION"), "bf16");
  EXPECT_EQ(env.at("KMP_BLOCKTIME"), "1");
  EXPECT_EQ(env.at("ACCELERATE_DYNAMO_BACKEND"), "NO");
  EXPECT_EQ(env.at("ACCELERATE_DYNAMO_USE_FULLGRAPH"), "False");
}

TEST_F(ProgramEnvironmentTest, DynamoBackendInTheYamlIsRefusedByName) {
  try {
    resolve("dynamo.yaml", "distributed_type: MULTI_CPU\ndynamo_config:\n  dynamo_backend: INDUCTOR\n");
    FAIL() << "a compiled run would silently train uncompiled";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dynamo_config.dynamo_backend"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(resolve("no_dynamo.yaml", "distributed_type: MULTI_CPU\ndynamo_config:\n  dynamo_backend: 'NO'\n"));
}

TEST(TorchrunEnvironment, MatchesTorchrunsNamesForAGroup) {
  LaunchPlan plan;
  plan.run_id = "r7";
  plan.run_dir = "/logs/r7";
  plan.num_machines = 2;
  plan.machine_rank = 1;
  plan.procs_per_machine = 2;
  plan.world_size = 4;
  plan.max_restarts = 3;
  const auto env = torchrun_environment(plan, 2, 3);
  EXPECT_EQ(env.at("GROUP_RANK"), "1");
  EXPECT_EQ(env.at("GROUP_WORLD_SIZE"), "2");
  EXPECT_EQ(env.at("ROLE_RANK"), "3");
  EXPECT_EQ(env.at("ROLE_WORLD_SIZE"), "4");
  EXPECT_EQ(env.at("ROLE_NAME"), "default");
  EXPECT_EQ(env.at("TORCHELASTIC_RESTART_COUNT"), "2");
  EXPECT_EQ(env.at("TORCHELASTIC_MAX_RESTARTS"), "3");
  EXPECT_EQ(env.at("TORCHELASTIC_RUN_ID"), "r7");
  EXPECT_EQ(env.at("TORCHELASTIC_ERROR_FILE"), "/logs/r7/attempt_2/rank_3.error.json");
  EXPECT_EQ(env.at("TORCHELASTIC_USE_AGENT_STORE"), "False");
}

// Python's str() of the same floats, as accelerate launch writes ACCELERATE_GRADIENT_CLIPPING.
TEST(PythonFloatText, SpellsFloatsAsPythonDoes) {
  const std::pair<double, const char*> cases[] = {
      {0.5, "0.5"},       {1.0, "1.0"},         {100.0, "100.0"},        {0.1, "0.1"},    {1e-05, "1e-05"},
      {0.0001, "0.0001"}, {1.5e-07, "1.5e-07"}, {1e16, "1e+16"},         {1e22, "1e+22"}, {123456789.0, "123456789.0"},
      {-2.5, "-2.5"},     {0.0, "0.0"},         {1234.5678, "1234.5678"}};
  for (const auto& [value, text] : cases) EXPECT_EQ(python_float_text(value), text) << value;
}

TEST(StreamSelection, ReadsTorchrunsValuesAndMappings) {
  const auto both = parse_stream_selection("3", "--tee");
  EXPECT_TRUE(both.selects(0, false));
  EXPECT_TRUE(both.selects(5, true));
  const auto mapping = parse_stream_selection("0:1,2:2", "--redirects");
  EXPECT_TRUE(mapping.selects(0, false));
  EXPECT_FALSE(mapping.selects(0, true));
  EXPECT_FALSE(mapping.selects(1, false)) << "unlisted local ranks select nothing (torch's to_map)";
  EXPECT_TRUE(mapping.selects(2, true));
  for (const char* bad : {"4", "x", "0:4", "0:1,", ":1", ""}) {
    EXPECT_THROW(parse_stream_selection(bad, "--tee"), UsageError) << bad;
  }
}

}  // namespace
}  // namespace zl::launcher
