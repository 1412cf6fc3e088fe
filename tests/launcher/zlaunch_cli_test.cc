// The `zlaunch` binary as a user runs it: --version, env (text and JSON), and usage errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "subprocess.h"
#include "zl/base/build_info.h"

namespace zl {
namespace {

using testing::run_process;
using testing::zlaunch_binary;

TEST(ZlaunchCli, VersionPrintsTheProjectVersion) {
  const auto result = run_process({zlaunch_binary(), "--version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::string("zlaunch ") + build_info::kVersion + "\n");
}

TEST(ZlaunchCli, EnvReportsBackendsCompilerMachineAndDependencies) {
  const auto result = run_process({zlaunch_binary(), "env"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* fact : {"shm: yes", "gloo: yes", "mpi: yes", "simd: ", "logical_cores: ", "memory_total: ",
                           "compiler: GNU", "yaml-cpp: 0.7", "nlohmann-json: 3.11", "CLI11: 2.1", "prometheus-cpp: 1.0",
                           "Gloo: 0.5", "MPI: Open MPI v4.1", "OpenBLAS: OpenBLAS 0.3"}) {
    EXPECT_NE(result.out.find(fact), std::string::npos) << "missing '" << fact << "' in:\n" << result.out;
  }
  const std::string nccl_line = std::string("nccl: ") + (build_info::kHaveNccl ? "yes" : "no");
  EXPECT_NE(result.out.find(nccl_line), std::string::npos) << result.out;
}

TEST(ZlaunchCli, EnvJsonAgreesWithTheBuild) {
  const auto result = run_process({zlaunch_binary(), "env", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["zlaunch"]["version"], build_info::kVersion);
  EXPECT_EQ(report["backends"]["shm"], true);
  EXPECT_EQ(report["backends"]["gloo"], true);
  EXPECT_EQ(report["backends"]["mpi"], true);
  EXPECT_EQ(report["backends"]["nccl"], build_info::kHaveNccl);
  EXPECT_EQ(report["cuda"]["compiled"], build_info::kHaveCuda);
  if (build_info::kHaveCuda) {
    // The NCCL and cuBLAS version queries are real library calls; they work without a GPU.
    EXPECT_NE(report["cuda"]["nccl"], "n/a");
    EXPECT_NE(report["cuda"]["cublas"], "n/a");
  }
  if (report["cuda"]["gpus"].empty()) {
    EXPECT_NE(report["cuda"]["no_gpu_reason"], "") << "an empty GPU list must say why";
  }
}

TEST(ZlaunchCli, UnknownSubcommandExitsTwoAndListsTheSubcommands) {
  const auto result = run_process({zlaunch_binary(), "frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("frobnicate"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("env"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("run"), std::string::npos) << result.err;
}

// A mistyped option of `run` is not taken as the program (it would be "not found on PATH").
TEST(ZlaunchCli, UnknownRunOptionExitsTwoWithDidYouMean) {
  const auto result = run_process({zlaunch_binary(), "run", "--num_process", "4", "train"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("unknown option '--num_process' (did you mean '--num_processes'?)"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("not found on PATH"), std::string::npos) << result.err;
}

// Every accelerate launch option zlaunch cannot honour fails by name with the reason (docs/launcher.md).
TEST(ZlaunchCli, RefusedAccelerateOptionsExitTwoNamingOptionAndReason) {
  const std::vector<std::vector<std::string>> cases = {
      {"--use_fsdp", "FSDP is not supported"},
      {"--fsdp-sharding-strategy", "FULL_SHARD", "FSDP is not supported"},
      {"--tpu", "TPU training is not supported"},
      {"--dynamo_backend", "inductor", "dynamo"},
      {"--megatron_lm_tp_degree", "2", "Megatron-LM"},
      {"--fp8_backend", "te", "FP8 training is not supported"},
      {"--parallelism_config_tp_size", "2", "model-parallel groups"},
      {"--offload_param_nvme_path", "/nvme", "NVMe offload is not supported"},
      {"--deepspeed_multinode_launcher", "pdsh", "--hostfile FILE --launcher mpi"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {zlaunch_binary(), "run"};
    argv.insert(argv.end(), c.begin(), c.end() - 1);
    argv.emplace_back("train");
    const auto result = run_process(argv);
    EXPECT_EQ(result.exit_code, 2) << c[0] << ": " << result.err;
    std::string name = c[0];
    std::replace(name.begin() + 2, name.end(), '-', '_');
    EXPECT_NE(result.err.find("zlaunch run " + name + ": "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(c.back()), std::string::npos) << result.err;
  }
}

// Accelerate's dash spellings and torchrun's names are the same options (the plan shows the world).
TEST(ZlaunchCli, DashSpellingsAndTorchrunAliasesReachThePlan) {
  auto result = run_process({zlaunch_binary(), "run", "--dry_run", "--num-processes", "3", "train"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("WORLD_SIZE=3"), std::string::npos) << result.out;
  result = run_process({zlaunch_binary(), "run", "--dry-run", "--nproc_per_node", "2", "--nnodes", "1",
                        "--rdzv_endpoint", "127.0.0.1:29611", "--rdzv_backend", "c10d", "train"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("WORLD_SIZE=2"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ZLAUNCH_STORE=127.0.0.1:29611"), std::string::npos) << result.out;
  result = run_process({zlaunch_binary(), "run", "--nproc_per_node", "2", "--num_processes", "2", "train"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("give one"), std::string::npos) << result.err;
  result = run_process({zlaunch_binary(), "run", "--rdzv_backend", "etcd", "train"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--rdzv_backend 'etcd'"), std::string::npos) << result.err;
}

// --tee takes torchrun's value, so `--tee 3 train` runs train, not a program called "3".
TEST(ZlaunchCli, TeeTakesTorchrunsValue) {
  auto result = run_process({zlaunch_binary(), "run", "--dry_run", "--tee", "3", "train"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  result = run_process({zlaunch_binary(), "run", "--dry_run", "-t", "0:3,1:1", "train"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  result = run_process({zlaunch_binary(), "run", "--tee", "7", "train"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--tee '7'"), std::string::npos) << result.err;
  result = run_process({zlaunch_binary(), "run", "--redirects", "x", "train"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--redirects 'x'"), std::string::npos) << result.err;
}

TEST(ZlaunchCli, MissingSubcommandExitsTwo) {
  const auto result = run_process({zlaunch_binary()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("subcommand"), std::string::npos) << result.err;
}

TEST(ZlaunchCli, UnknownFlagExitsTwoNamingIt) {
  const auto result = run_process({zlaunch_binary(), "env", "--no-such-flag"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--no-such-flag"), std::string::npos) << result.err;
}

TEST(ZlaunchCli, HelpListsEverySubcommand) {
  const auto result = run_process({zlaunch_binary(), "--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* sub : {"env", "config", "run", "estimate-memory", "checkpoint", "bench"}) {
    EXPECT_NE(result.out.find(sub), std::string::npos) << sub << " missing from:\n" << result.out;
  }
}

}  // namespace
}  // namespace zl
