// `zlaunch run` on one machine as a user runs it: the environment contract every rank sees, argument
// passing to PROGRAM, log files and console prefixes, the run directory's files, --dry_run, and
// usage errors (exit 2).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

using testing::lines_starting_with;
using testing::rank_program;
using testing::read_file;
using testing::run_process;
using testing::zlaunch_binary;

class RunEnvTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_env_");
  // OMP_NUM_THREADS unset: the ranks see zlaunch's default unless a case sets it.
  testing::ProcessOptions options() const { return testing::isolated_launch_options(dir_, {"OMP_NUM_THREADS"}); }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

TEST_F(RunEnvTest, FourRanksSeeTheEnvironmentContract) {
  const auto result = run_process(zlaunch({"--num_processes", "4", rank_program(), "--print-env"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto env = testing::printed_environments(result.out);
  ASSERT_EQ(env.size(), 4u) << result.out;
  std::set<std::string> store_addresses;
  for (int rank = 0; rank < 4; ++rank) {
    const auto& e = env.at(rank);
    EXPECT_EQ(e.at("RANK"), std::to_string(rank));
    EXPECT_EQ(e.at("LOCAL_RANK"), std::to_string(rank));
    EXPECT_EQ(e.at("WORLD_SIZE"), "4");
    EXPECT_EQ(e.at("LOCAL_WORLD_SIZE"), "4");
    EXPECT_EQ(e.at("NODE_RANK"), "0");
    EXPECT_EQ(e.at("MASTER_ADDR"), "127.0.0.1");
    EXPECT_EQ(e.at("ZLAUNCH_RUN_ID"), "r1");
    EXPECT_EQ(e.at("ZLAUNCH_ATTEMPT"), "0");
    EXPECT_EQ(e.at("ZLAUNCH_CONFIG"), dir_ + "/logs/r1/config.resolved.json");
    EXPECT_EQ(e.at("ZLAUNCH_ERROR_FILE"), dir_ + "/logs/r1/attempt_0/rank_" + std::to_string(rank) + ".error.json");
    EXPECT_EQ(e.at("ZLAUNCH_METRICS_PORT"), "9470");
    EXPECT_EQ(e.at("IDENTITY"), std::to_string(rank) + "/4 local " + std::to_string(rank) + "/4 node 0 from torch");
    EXPECT_GE(std::stoi(e.at("OMP_NUM_THREADS")), 1);
    EXPECT_EQ(e.at("ZLAUNCH_STORE_TOKEN").size(), 32u) << "a 128-bit random token in hex";
    // torchrun's variables (local_elastic_agent.py), with torchrun's values for one machine.
    EXPECT_EQ(e.at("GROUP_RANK"), "0");
    EXPECT_EQ(e.at("GROUP_WORLD_SIZE"), "1");
    EXPECT_EQ(e.at("ROLE_NAME"), "default");
    EXPECT_EQ(e.at("ROLE_RANK"), std::to_string(rank));
    EXPECT_EQ(e.at("ROLE_WORLD_SIZE"), "4");
    EXPECT_EQ(e.at("TORCHELASTIC_RUN_ID"), "r1");
    EXPECT_EQ(e.at("TORCHELASTIC_RESTART_COUNT"), "0");
    EXPECT_EQ(e.at("TORCHELASTIC_MAX_RESTARTS"), "0");
    EXPECT_EQ(e.at("TORCHELASTIC_USE_AGENT_STORE"), "False");
    EXPECT_EQ(e.at("TORCHELASTIC_ERROR_FILE"), e.at("ZLAUNCH_ERROR_FILE"));
    // accelerate launch's, for a config without DeepSpeed on the CPU (prepare_simple_launcher_cmd_env).
    EXPECT_EQ(e.at("ACCELERATE_MIXED_PRECISION"), "no");
    EXPECT_EQ(e.at("ACCELERATE_USE_CPU"), "True");
    EXPECT_EQ(e.at("ACCELERATE_DYNAMO_BACKEND"), "NO");
    EXPECT_EQ(e.count("ACCELERATE_USE_DEEPSPEED"), 0u);
    // MASTER_PORT is a port of its own, distinct from the store's.
    const std::string store = e.at("ZLAUNCH_STORE");
    EXPECT_NE(store.substr(store.rfind(':') + 1), e.at("MASTER_PORT"));
    store_addresses.insert(store);
  }
  EXPECT_EQ(store_addresses.size(), 1u) << "every rank gets the same store";
}

TEST_F(RunEnvTest, RanksReachTheStoreWithTheirToken) {
  const auto result = run_process(zlaunch({"-n", "3", rank_program(), "--store-check"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (int rank = 0; rank < 3; ++rank) {
    const std::string expected = "[0:" + std::to_string(rank) + "] store ok: from " + std::to_string((rank + 1) % 3);
    EXPECT_NE(result.out.find(expected), std::string::npos) << result.out;
  }
}

TEST_F(RunEnvTest, UserSetOmpNumThreadsIsKept) {
  auto o = options();
  o.set_env["OMP_NUM_THREADS"] = "3";
  const auto result = run_process(zlaunch({"-n", "2", rank_program(), "--print-env"}), o);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(testing::printed_environments(result.out).at(1).at("OMP_NUM_THREADS"), "3");
}

TEST_F(RunEnvTest, EverythingAfterProgramBelongsToIt) {
  const auto result = run_process(
      zlaunch({"-n", "2", "/bin/sh", "-c", "echo args:\"$0\" \"$1\"", "--num_processes", "--dry_run"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("[0:0] args:--num_processes --dry_run"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("[0:1] args:--num_processes --dry_run"), std::string::npos) << result.out;
}

TEST_F(RunEnvTest, LogsArePrefixedOnTheConsoleAndWrittenPerRank) {
  const auto result = run_process(
      zlaunch({"-n", "2", "/bin/sh", "-c", "echo out-$RANK; echo err-$RANK >&2; printf partial-$RANK"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const std::string rank : {"0", "1"}) {
    EXPECT_NE(result.out.find("[0:" + rank + "] out-" + rank + "\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("[0:" + rank + "] partial-" + rank + "\n"), std::string::npos) << result.out;
    EXPECT_NE(result.err.find("[0:" + rank + "] err-" + rank + "\n"), std::string::npos) << result.err;
    EXPECT_EQ(read_file(dir_ + "/logs/r1/attempt_0/rank_" + rank + ".out"), "out-" + rank + "\npartial-" + rank);
    EXPECT_EQ(read_file(dir_ + "/logs/r1/attempt_0/rank_" + rank + ".err"), "err-" + rank + "\n");
  }
  EXPECT_EQ(result.out.find("err-"), std::string::npos) << "stderr lines must not reach stdout";
}

TEST_F(RunEnvTest, RanksFilterLimitsTheConsoleButNotTheFiles) {
  const auto result =
      run_process(zlaunch({"-n", "4", "--ranks_filter", "0,3", "/bin/sh", "-c", "echo line-$RANK"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(lines_starting_with(result.out, "[0:").size(), 2u) << result.out;
  EXPECT_NE(result.out.find("[0:0] line-0"), std::string::npos);
  EXPECT_NE(result.out.find("[0:3] line-3"), std::string::npos);
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_EQ(read_file(dir_ + "/logs/r1/attempt_0/rank_" + std::to_string(rank) + ".out"),
              "line-" + std::to_string(rank) + "\n");
  }
}

TEST_F(RunEnvTest, TeeFalseKeepsRankOutputInFilesOnly) {
  const auto result = run_process(zlaunch({"-n", "2", "--tee=false", "/bin/sh", "-c", "echo quiet-$RANK"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("quiet-"), std::string::npos) << result.out;
  EXPECT_EQ(read_file(dir_ + "/logs/r1/attempt_0/rank_1.out"), "quiet-1\n");
}

// torchrun's --redirects 0:1: local rank 0's stdout stays in its file; everything else is on the console.
TEST_F(RunEnvTest, RedirectsTakeTheSelectedStreamsOffTheConsole) {
  const auto result = run_process(
      zlaunch({"-n", "2", "--redirects", "0:1", "/bin/sh", "-c", "echo out-$RANK; echo err-$RANK >&2"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("out-0"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("[0:1] out-1"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("[0:0] err-0"), std::string::npos) << result.err;
  EXPECT_EQ(read_file(dir_ + "/logs/r1/attempt_0/rank_0.out"), "out-0\n");
}

// The DeepSpeed JSON a program reads is the user's file with zlaunch's overrides written over it:
// "auto" stays for the program to fill, keys zlaunch does not use stay, the flag's stage wins.
TEST_F(RunEnvTest, ProgramsDeepSpeedConfigIsTheFileWithTheOverrides) {
  std::ofstream(dir_ + "/ds.json") << R"({"train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": 2,
    "zero_optimization": {"stage": 1}, "activation_checkpointing": {"partition_activations": true}})";
  const auto result = run_process(
      zlaunch({"-n", "2", "--config_file", dir_ + "/ds.json", "--zero_stage", "3", rank_program(), "--print-env"}),
      options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string path = dir_ + "/logs/r1/deepspeed_config.json";
  const auto written = nlohmann::json::parse(read_file(path));
  EXPECT_EQ(written["zero_optimization"]["stage"], 3);
  EXPECT_EQ(written["train_micro_batch_size_per_gpu"], "auto");
  EXPECT_EQ(written["gradient_accumulation_steps"], 2);
  EXPECT_EQ(written["activation_checkpointing"]["partition_activations"], true);
  const auto env = testing::printed_environments(result.out);
  ASSERT_EQ(env.size(), 2u) << result.out;
  EXPECT_EQ(env.at(0).at("ACCELERATE_DEEPSPEED_CONFIG_FILE"), path);
  EXPECT_EQ(env.at(0).at("ZLAUNCH_DEEPSPEED_CONFIG"), path);
  EXPECT_EQ(env.at(0).at("ACCELERATE_USE_DEEPSPEED"), "true");
  EXPECT_EQ(env.at(0).at("ACCELERATE_DEEPSPEED_ZERO_STAGE"), "3") << "the flag, as accelerate launch passes it";
  EXPECT_EQ(env.at(0).count("ACCELERATE_GRADIENT_ACCUMULATION_STEPS"), 0u) << "the file carries it";
}

TEST_F(RunEnvTest, RunDirectoryHoldsTheResolvedConfigAndTargets) {
  const auto result =
      run_process(zlaunch({"-n", "2", "--metrics_port", "9600", "--mixed_precision", "bf16", "/bin/true"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("config files: none"), std::string::npos) << result.err;
  const auto config = nlohmann::json::parse(read_file(dir_ + "/logs/r1/config.resolved.json"));
  EXPECT_EQ(config.dump().find("\"auto\""), std::string::npos);
  EXPECT_NE(config.dump().find("bf16"), std::string::npos) << config.dump();
  // All ranks have ended: the targets file was rewritten to an empty list.
  EXPECT_EQ(nlohmann::json::parse(read_file(dir_ + "/logs/r1/targets.json")), nlohmann::json::array());
}

TEST_F(RunEnvTest, TargetsFileListsLiveRanksWithTheirLabels) {
  // Each rank serves /metrics and reports its address; the file is read while both are alive.
  auto run = std::async(std::launch::async, [&] {
    return run_process(
        zlaunch({"-n", "2", "--metrics_port", "9600", rank_program(), "--serve-metrics", "--sleep", "3000"}),
        options());
  });
  nlohmann::json seen;
  for (int i = 0; i < 300 && seen.size() != 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = nlohmann::json::parse(read_file(dir_ + "/logs/r1/targets.json"), nullptr, false);
    if (!seen.is_array()) seen = nlohmann::json::array();
  }
  const auto result = run.get();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(seen.size(), 3u) << "2 ranks and the launcher: " << seen.dump();
  // The ranks in rank order, then the launcher's own endpoint on the port just past its ranks'.
  EXPECT_EQ(seen[2]["targets"][0], "127.0.0.1:9602");
  EXPECT_EQ(seen[2]["labels"]["role"], "launcher");
  EXPECT_FALSE(seen[2]["labels"].contains("rank"));
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(seen[rank]["targets"][0], "127.0.0.1:" + std::to_string(9600 + rank));
    EXPECT_EQ(seen[rank]["labels"]["job"], "zlaunch");
    EXPECT_EQ(seen[rank]["labels"]["run_id"], "r1");
    EXPECT_EQ(seen[rank]["labels"]["node"], "0");
    EXPECT_EQ(seen[rank]["labels"]["rank"], std::to_string(rank));
  }
}

TEST_F(RunEnvTest, ConfigFileValuesApplyUnlessAFlagOverrides) {
  { std::ofstream(dir_ + "/launch.yaml") << "num_processes: 3\nmax_restarts: 0\n"; }
  auto from_file =
      run_process(zlaunch({"--config_file", dir_ + "/launch.yaml", rank_program(), "--print-env"}), options());
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(testing::printed_environments(from_file.out).size(), 3u);
  EXPECT_NE(from_file.err.find(dir_ + "/launch.yaml"), std::string::npos) << "the config files used are printed";
  auto overridden = run_process(
      zlaunch({"--config_file", dir_ + "/launch.yaml", "-n", "2", rank_program(), "--print-env"}), options());
  ASSERT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_EQ(testing::printed_environments(overridden.out).size(), 2u);
}

TEST_F(RunEnvTest, TargetsFileIsAlsoWrittenWhereTheConfigSays) {
  {
    std::ofstream(dir_ + "/launch.yaml") << "metrics:\n  port: 9700\n  targets_file: " << dir_
                                         << "/extra_targets.json\n";
  }
  const std::string script = "cp " + dir_ + "/extra_targets.json " + dir_ + "/seen_extra.json";
  const auto result =
      run_process(zlaunch({"--config_file", dir_ + "/launch.yaml", "-n", "1", "/bin/sh", "-c", script}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto seen = nlohmann::json::parse(read_file(dir_ + "/seen_extra.json"));
  // The shell serves no /metrics, so only the launcher is listed (at the port past its one rank's).
  ASSERT_EQ(seen.size(), 1u) << "the launcher alone: " << seen.dump();
  EXPECT_EQ(seen[0]["targets"][0], "127.0.0.1:9701");
  EXPECT_EQ(nlohmann::json::parse(read_file(dir_ + "/extra_targets.json")), nlohmann::json::array());
}

TEST_F(RunEnvTest, ProgramTrainIsTheTrainerNextToZlaunch) {
  const std::string bundled = std::filesystem::path(zlaunch_binary()).parent_path().string() + "/train";
  auto o = options();
  o.set_env["PATH"] = "/nonexistent";  // only the bundled one can be found
  const auto result = run_process(zlaunch({"-n", "1", "--dry_run", "train", "--steps", "1"}), o);
  if (std::filesystem::exists(bundled)) {
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("command: " + bundled + " --steps 1"), std::string::npos) << result.out;
  } else {
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("'train'"), std::string::npos) << result.err;
  }
}

TEST_F(RunEnvTest, ClosedConsoleDoesNotKillTheJob) {
  // The console pipe closes at once; the ranks keep writing and must still finish (files complete).
  const std::string script = "for i in 1 2 3 4 5; do echo line-$i; sleep 0.05; done";
  const std::string command = "'" + zlaunch_binary() + "' run --log_dir " + dir_ +
                              "/logs --run_id r1 -n 2 /bin/sh -c '" + script +
                              "' | true; echo launcher-exit=${PIPESTATUS[0]}";
  const auto result = run_process({"/bin/bash", "-c", command}, options());
  EXPECT_NE(result.out.find("launcher-exit=0"), std::string::npos) << result.out << result.err;
  EXPECT_EQ(read_file(dir_ + "/logs/r1/attempt_0/rank_1.out"), "line-1\nline-2\nline-3\nline-4\nline-5\n");
}

TEST_F(RunEnvTest, DryRunPrintsThePlanAndStartsNothing) {
  const auto result = run_process(zlaunch({"-n", "2", "--dry_run", "/bin/echo", "hello world"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("world_size: 2"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("rank 1 (local 1, node 0)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("RANK=1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("command: /bin/echo 'hello world'"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ZLAUNCH_STORE_TOKEN=<secret>"), std::string::npos) << "the secret is not printed";
  EXPECT_EQ(result.out.find("hello world\n"), std::string::npos) << "nothing ran";
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/logs/r1")) << "a dry run creates nothing";
}

TEST_F(RunEnvTest, MissingProgramExitsTwoNamingIt) {
  const auto result = run_process(zlaunch({"-n", "2", "no-such-program-xyz"}), options());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no-such-program-xyz"), std::string::npos) << result.err;
}

TEST_F(RunEnvTest, BadValuesExitTwoNamingTheFlag) {
  auto processes = run_process(zlaunch({"-n", "zero", "/bin/true"}), options());
  EXPECT_EQ(processes.exit_code, 2);
  EXPECT_NE(processes.err.find("num_processes"), std::string::npos) << processes.err;
  auto filter = run_process(zlaunch({"-n", "2", "--ranks_filter", "0,5", "/bin/true"}), options());
  EXPECT_EQ(filter.exit_code, 2);
  EXPECT_NE(filter.err.find("--ranks_filter"), std::string::npos) << filter.err;
  auto no_program = run_process(zlaunch({"-n", "2"}), options());
  EXPECT_EQ(no_program.exit_code, 2);
  EXPECT_NE(no_program.err.find("PROGRAM"), std::string::npos) << no_program.err;
}

}  // namespace
}  // namespace zl
