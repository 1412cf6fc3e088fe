// A torchrun-style program runs unchanged under `zlaunch run` (DESIGN.md §3): PyTorch's
// init_process_group("gloo") with env:// uses MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE from the
// launcher. Uses the shared anchor ../shared/anchors/torch_gpt.py; slow (PyTorch start-up).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

TEST(RunTorchTest, DdpAnchorTrainsUnderZlaunch) {
  const auto shared = testing::shared_dir();
  if (!shared) GTEST_SKIP() << "ZL_SHARED_DIR is not set: the torch anchor is not available";
  const std::string anchor = *shared + "/anchors/torch_gpt.py";
  struct stat st {};
  if (::stat(anchor.c_str(), &st) != 0) GTEST_SKIP() << anchor << " is missing";
  if (testing::run_process({"/usr/bin/python3", "-c", "import torch.distributed"}).exit_code != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no torch";
  }
  const std::string dir = testing::make_temp_dir("zl_run_torch_");
  testing::ProcessOptions options;
  options.working_directory = dir;
  options.set_env = {{"HOME", dir}, {"GLOO_SOCKET_IFNAME", "lo"}};
  options.timeout = std::chrono::seconds(240);
  const auto result =
      testing::run_process({testing::zlaunch_binary(), "run", "--num_processes", "2", "--log_dir", dir + "/logs",
                            "/usr/bin/python3", anchor, "--mode", "ddp", "--steps", "3", "--warmup", "1"},
                           options);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto lines = testing::lines_starting_with(result.out, "[0:0] {");
  ASSERT_EQ(lines.size(), 1u) << result.out;
  const auto report = nlohmann::json::parse(lines[0].substr(6));
  EXPECT_EQ(report["world"], 2);
  EXPECT_EQ(report["mode"], "ddp");
  EXPECT_LT(report["loss_last"].get<double>(), report["loss_first"].get<double>()) << "DDP trained";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zl
