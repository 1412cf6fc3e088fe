// `zlaunch config validate | show | default | --template` and `zlaunch estimate-memory`, run as a
// user runs them: the real binary, real files, a fake HOME and working directory per precedence layer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <sstream>

#include "config_test_files.h"
#include "subprocess.h"

namespace {

using zl::config::testing_files::write_file;
using zl::testing::ProcessOptions;
using zl::testing::run_process;
using zl::testing::zlaunch_binary;

constexpr const char* kTutorial = R"({
  "train_batch_size": 64,
  "train_micro_batch_size_per_gpu": 16,
  "gradient_accumulation_steps": 4,
  "zero_optimization": {"stage": 2},
  "optimizer": {"type": "AdamW", "params": {"lr": 0.001}}
})";

ProcessOptions clean_env() {
  ProcessOptions o;
  for (const char* key :
       {"ZLAUNCH_NUM_PROCESSES", "ZLAUNCH_MIXED_PRECISION", "ZLAUNCH_METRICS_PORT", "ZLAUNCH_LOG_DIR", "ZLAUNCH_DEVICE",
        "ZLAUNCH_ZERO_STAGE", "ZLAUNCH_MODEL", "ZLAUNCH_DEEPSPEED_CONFIG_FILE", "HF_HOME", "XDG_CACHE_HOME"}) {
    o.unset_env.emplace_back(key);
  }
  o.timeout = std::chrono::seconds(60);
  return o;
}

TEST(ConfigCli, TutorialConfigIsInconsistentAtFourProcessesAndValidAtOne) {
  const std::string dir = zl::testing::make_temp_dir("zl_cli_");
  const std::string file = write_file(dir, "ds_config.json", kTutorial);
  auto r = run_process({zlaunch_binary(), "config", "validate", file, "--num_processes", "4"}, clean_env());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("train_batch_size 64 != 16 * 4 * 4 (micro × accumulation × world size)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  r = run_process({zlaunch_binary(), "config", "validate", file, "--num_processes", "1"}, clean_env());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("valid for 1 process"), std::string::npos) << r.out;
}

TEST(ConfigCli, ValidateCombinesALaunchYamlWithTheJson) {
  const std::string dir = zl::testing::make_temp_dir("zl_cli_");
  const std::string file = write_file(dir, "ds_config.json", kTutorial);
  const std::string yaml = write_file(dir, "launch.yaml", "num_processes: 4\nnum_machines: 2\n");
  auto r = run_process({zlaunch_binary(), "config", "validate", file, "--config_file", yaml}, clean_env());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("64 != 16 * 4 * 4"), std::string::npos) << r.err;
  r = run_process({zlaunch_binary(), "config", "validate", file, "--config_file", yaml, "--num_processes", "3"},
                  clean_env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not divisible by num_machines 2"), std::string::npos) << r.err;
}

// `config show` lines are "key = value   [source]".
std::map<std::string, std::pair<std::string, std::string>> parse_show(const std::string& out) {
  std::map<std::string, std::pair<std::string, std::string>> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    const auto open = line.rfind("  [");
    if (eq == std::string::npos || open == std::string::npos || line.back() != ']') continue;
    std::string value = line.substr(eq + 3, open - eq - 3);
    value.erase(value.find_last_not_of(' ') + 1);
    rows[line.substr(0, eq)] = {value, line.substr(open + 3, line.size() - open - 4)};
  }
  return rows;
}

TEST(ConfigCli, ShowAttributesEachValueToItsPrecedenceLayer) {
  const std::string root = zl::testing::make_temp_dir("zl_show_");
  const std::string home = root + "/home";
  const std::string work = root + "/work";
  write_file(home, ".config/zlaunch/default.yaml",
             "max_restarts: 3\nlog_dir: from_home\nnum_processes: 2\nmain_process_port: 1111\n");
  write_file(work, "zlaunch.yaml", "log_dir: from_cwd\nmain_process_port: 1234\nnum_processes: 2\n");
  const std::string config_file =
      write_file(root, "explicit.yaml", "main_process_port: 2345\nmetrics:\n  port: 9999\n");
  ProcessOptions o = clean_env();
  o.working_directory = work;
  o.set_env["HOME"] = home;
  o.set_env["ZLAUNCH_METRICS_PORT"] = "9600";
  o.set_env["ZLAUNCH_MIXED_PRECISION"] = "bf16";
  const auto r =
      run_process({zlaunch_binary(), "config", "show", "--config_file", config_file, "--mixed_precision", "fp16"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto rows = parse_show(r.out);
  using Row = std::pair<std::string, std::string>;
  EXPECT_EQ(rows.at("max_restarts"), Row("3", "file " + home + "/.config/zlaunch/default.yaml"));
  EXPECT_EQ(rows.at("log_dir"), Row("from_cwd", "file " + work + "/zlaunch.yaml"));
  EXPECT_EQ(rows.at("num_processes"), Row("2", "file " + work + "/zlaunch.yaml"));
  EXPECT_EQ(rows.at("main_process_port"), Row("2345", "file " + config_file));
  EXPECT_EQ(rows.at("metrics.port"), Row("9600", "env ZLAUNCH_METRICS_PORT"));
  EXPECT_EQ(rows.at("mixed_precision"), Row("fp16", "flag --mixed_precision"));
  EXPECT_EQ(rows.at("device"), Row("cpu", "default"));
  EXPECT_EQ(rows.at("train_batch_size"), Row("16", "auto (micro × accumulation × world size = 8 * 1 * 2)"));
  EXPECT_NE(r.out.find(config_file), std::string::npos);

  // --json prints the resolved config the launcher writes.
  const auto j = run_process({zlaunch_binary(), "config", "show", "--json", "--num_processes", "4"}, o);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json.at("launch").at("num_processes"), 4);
  EXPECT_EQ(json.at("launch").at("log_dir"), "from_cwd");
  EXPECT_EQ(json.at("training").at("train_batch_size"), 32);
  EXPECT_EQ(json.at("sources").at("num_processes"), "flag --num_processes");
}

// Accelerate's default config ($HF_HOME/accelerate/default_config.yaml, HF_HOME defaulting to
// ~/.cache/huggingface) sits below zlaunch's own files, and, as accelerate launch reads it, only when no
// --config_file is given.
TEST(ConfigCli, AccelerateDefaultConfigJoinsBelowZlaunchsFilesWithoutConfigFile) {
  const std::string root = zl::testing::make_temp_dir("zl_show_accelerate_");
  const std::string home = root + "/home";
  const std::string work = root + "/work";
  const std::string accelerate_default =
      write_file(home, ".cache/huggingface/accelerate/default_config.yaml",
                 "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_CPU\nnum_processes: 3\n"
                 "mixed_precision: bf16\nmax_restarts: 2\n");
  write_file(home, ".config/zlaunch/default.yaml", "max_restarts: 5\n");
  const std::string explicit_file = write_file(root, "explicit.yaml", "num_processes: 2\n");
  write_file(work, ".keep", "");
  ProcessOptions o = clean_env();
  o.working_directory = work;
  o.set_env["HOME"] = home;
  using Row = std::pair<std::string, std::string>;
  auto r = run_process({zlaunch_binary(), "config", "show"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rows = parse_show(r.out);
  EXPECT_EQ(rows.at("num_processes"), Row("3", "file " + accelerate_default));
  EXPECT_EQ(rows.at("mixed_precision"), Row("bf16", "file " + accelerate_default));
  EXPECT_EQ(rows.at("max_restarts"), Row("5", "file " + home + "/.config/zlaunch/default.yaml"));
  EXPECT_NE(r.out.find("  " + accelerate_default), std::string::npos) << "listed among the files used:\n" << r.out;

  r = run_process({zlaunch_binary(), "config", "show", "--config_file", explicit_file}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  rows = parse_show(r.out);
  EXPECT_EQ(rows.at("num_processes"), Row("2", "file " + explicit_file));
  EXPECT_EQ(rows.at("mixed_precision"), Row("no", "default")) << "Accelerate never merges its default in";
  EXPECT_EQ(r.out.find(accelerate_default), std::string::npos) << r.out;

  // HF_HOME moves it, as in Accelerate.
  const std::string moved = write_file(root + "/hf", "accelerate/default_config.yaml", "num_processes: 4\n");
  o.set_env["HF_HOME"] = root + "/hf";
  r = run_process({zlaunch_binary(), "config", "show"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(parse_show(r.out).at("num_processes"), Row("4", "file " + moved));
}

// accelerate launch's DeepSpeed-plugin flags set one DeepSpeed key each; a batch key given as a flag
// overrides that key alone, so a contradiction with the file's batch is reported, not papered over.
TEST(ConfigCli, DeepSpeedPluginFlagsOverrideOneKeyEach) {
  const std::string root = zl::testing::make_temp_dir("zl_show_plugin_flags_");
  const std::string ds = write_file(root, "ds.json",
                                    R"({"train_batch_size": 16, "train_micro_batch_size_per_gpu": 4,
                                        "gradient_accumulation_steps": 2, "zero_optimization": {"stage": 3}})");
  using Row = std::pair<std::string, std::string>;
  auto r =
      run_process({zlaunch_binary(), "config", "show", "--config_file", ds, "--num_processes", "2",
                   "--gradient_clipping", "0.5", "--zero3_save_16bit_model", "true", "--offload_param_device", "cpu"},
                  clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rows = parse_show(r.out);
  EXPECT_EQ(rows.at("gradient_clipping"), Row("0.5", "flag --gradient_clipping"));
  EXPECT_EQ(rows.at("zero_optimization.stage3_gather_16bit_weights_on_model_save"),
            Row("true", "flag --zero3_save_16bit_model"));
  EXPECT_EQ(rows.at("zero_optimization.offload_param.device"), Row("cpu", "flag --offload_param_device"));
  EXPECT_EQ(rows.at("train_micro_batch_size_per_gpu"), Row("4", "file " + ds));
  r = run_process({zlaunch_binary(), "config", "show", "--config_file", ds, "--num_processes", "2",
                   "--gradient_accumulation_steps", "4"},
                  clean_env());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("train_batch_size"), std::string::npos) << r.err;
  r = run_process({zlaunch_binary(), "config", "show", "--gradient_clipping", "lots"}, clean_env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'lots' is not a number"), std::string::npos) << r.err;
}

TEST(ConfigCli, EstimateMemoryReproducesZeroTableOne) {
  const auto r = run_process({zlaunch_binary(), "estimate-memory", "--params", "7.5e9", "--num_processes", "4",
                              "--mixed_precision", "fp16", "--zero_stage", "all", "--json"},
                             clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  const double expected_gb[4] = {120, 52.5, 41.25, 30};
  ASSERT_EQ(json.at("stages").size(), 4u);
  for (int s = 0; s < 4; ++s) {
    EXPECT_EQ(json.at("stages")[s].at("model_state_bytes").get<std::int64_t>(),
              static_cast<std::int64_t>(expected_gb[s] * 1e9))
        << s;
  }
  const auto table = run_process(
      {zlaunch_binary(), "estimate-memory", "--params", "7.5B", "--num_processes", "4", "--mixed_precision", "bf16"},
      clean_env());
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (const char* gb : {"120 GB", "52.5 GB", "41.25 GB", "30 GB"})
    EXPECT_NE(table.out.find(gb), std::string::npos) << table.out;
}

TEST(ConfigCli, EstimateMemoryWarnsWhenAHigherStageCostsMore) {
  const auto r =
      run_process({zlaunch_binary(), "estimate-memory", "--model", "small", "--num_processes", "4"}, clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // fp32 `small` on 4 ranks with DeepSpeed's 5e8-element buckets: one reduce-scatter bucket holds the
  // whole model, so stage 2 keeps every full gradient and the bucket alive at the end of backward.
  EXPECT_NE(r.out.find("warning: stage 2 needs MORE memory per rank than stage 1"), std::string::npos) << r.out;
  const auto offload = run_process(
      {zlaunch_binary(), "estimate-memory", "--params", "1B", "--zero_stage", "2", "--offload_param", "cpu"},
      clean_env());
  EXPECT_EQ(offload.exit_code, 2);
  EXPECT_NE(offload.err.find("parameter offload needs ZeRO stage 3"), std::string::npos) << offload.err;
  const auto bad = run_process({zlaunch_binary(), "estimate-memory", "--params", "lots"}, clean_env());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--params 'lots'"), std::string::npos) << bad.err;
}

TEST(ConfigCli, EstimateMemoryReadsStageAndBucketsFromAConfig) {
  const std::string dir = zl::testing::make_temp_dir("zl_cli_");
  const std::string file =
      write_file(dir, "ds.json", R"({"train_micro_batch_size_per_gpu": 1, "bf16": {"enabled": true},
    "zero_optimization": {"stage": 3, "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
                          "stage3_param_persistence_threshold": "auto", "offload_optimizer": {"device": "cpu"}}})");
  const auto r = run_process(
      {zlaunch_binary(), "estimate-memory", "--config", file, "--model", "tiny", "--num_processes", "2", "--json"},
      clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json.at("stages").size(), 1u);
  const auto& s = json.at("stages")[0];
  EXPECT_EQ(s.at("stage"), 3);
  EXPECT_EQ(json.at("mixed_precision"), "bf16");
  const std::int64_t padded = json.at("padded_parameters");
  // bf16 shard, and the final LayerNorm (128 < 10 h) kept whole: 64 elements beyond its shard.
  EXPECT_EQ(s.at("params_bytes"), padded / 2 * 2 + 64 * 2);
  EXPECT_EQ(s.at("persistent_params_bytes"), 64 * 2);
  EXPECT_EQ(s.at("optimizer_bytes"), 0);                // offloaded
  EXPECT_EQ(s.at("offloaded_bytes"), padded / 2 * 12);  // optimizer states + master, in host memory
  // The buffers' peak (the engine's, replayed): gathered layers, full gradients and fp32 copies.
  EXPECT_GT(s.at("prefetch_bucket_bytes").get<std::int64_t>(), 0);
  EXPECT_EQ(s.at("total_bytes").get<std::int64_t>(),
            s.at("model_state_bytes").get<std::int64_t>() + s.at("buffer_bytes").get<std::int64_t>());
}

TEST(ConfigCli, DefaultAndTemplateWriteValidConfigs) {
  const std::string dir = zl::testing::make_temp_dir("zl_write_");
  auto r = run_process({zlaunch_binary(), "config", "default", "--output", dir + "/default"}, clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(dir + "/default/zlaunch.yaml"), std::string::npos) << r.out;
  r = run_process({zlaunch_binary(), "config", "validate", dir + "/default/zlaunch.yaml"}, clean_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_process({zlaunch_binary(), "config", "default", "--output", dir + "/default"}, clean_env());
  EXPECT_EQ(r.exit_code, 2) << "must refuse to overwrite";
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;

  r = run_process({zlaunch_binary(), "config", "--template", "zero3", "--num_processes", "8", "--num_machines", "2",
                   "--micro_batch", "4", "--gradient_accumulation_steps", "2", "--output", dir + "/z3"},
                  clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_process({zlaunch_binary(), "config", "show", "--json", "--config_file", dir + "/z3/zlaunch.yaml"},
                  clean_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json.at("training").at("zero_optimization").at("stage"), 3);
  EXPECT_EQ(json.at("training").at("train_batch_size"), 4 * 2 * 8);
  EXPECT_EQ(json.at("launch").at("num_machines"), 2);
  r = run_process({zlaunch_binary(), "config", "--template", "zero9", "--output", dir + "/bad"}, clean_env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("zero3"), std::string::npos) << r.err;
}

}  // namespace
