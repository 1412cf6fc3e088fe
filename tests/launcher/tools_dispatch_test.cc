// zlaunch runs the subcommands of zlaunch-tools (env, checkpoint, bench: launcher/cli/tool_commands.h)
// by replacing itself with it, so a user sees exactly what zlaunch-tools prints and returns: the same
// stdout, stderr and exit code, success or failure. Without zlaunch-tools next to it, zlaunch says
// which file it looked for and where, and its own subcommands still work.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "subprocess.h"

namespace zl {
namespace {

namespace fs = std::filesystem;
using testing::run_process;
using testing::zlaunch_binary;

std::string tools_binary() { return fs::path(zlaunch_binary()).parent_path() / "zlaunch-tools"; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// zlaunch ARGS and zlaunch-tools ARGS, run alike, must agree in every visible respect.
testing::ProcessResult expect_same_as_tools(const std::vector<std::string>& args) {
  std::vector<std::string> through_zlaunch = {zlaunch_binary()};
  through_zlaunch.insert(through_zlaunch.end(), args.begin(), args.end());
  std::vector<std::string> direct = {tools_binary()};
  direct.insert(direct.end(), args.begin(), args.end());
  const auto a = run_process(through_zlaunch);
  const auto b = run_process(direct);
  EXPECT_EQ(a.exit_code, b.exit_code) << a.err << "\nvs\n" << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.err, b.err);
  return a;
}

TEST(ToolsDispatch, HelpOfAToolsSubcommandComesFromZlaunchTools) {
  auto result = expect_same_as_tools({"bench", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "comm")) << result.out;
  EXPECT_TRUE(contains(result.out, "zlaunch bench")) << "it presents itself as zlaunch:\n" << result.out;
  result = expect_same_as_tools({"checkpoint", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "inspect")) << result.out;
  EXPECT_TRUE(contains(result.out, "consolidate")) << result.out;
}

TEST(ToolsDispatch, AFailingToolsSubcommandsExitCodeAndMessagePassThrough) {
  // A usage error found by the subcommand itself (exit 2).
  auto result = expect_same_as_tools({"bench", "comm", "--min_bytes", "2K", "--max_bytes", "1K"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "zlaunch: error: --min_bytes is larger than --max_bytes")) << result.err;
  // An unknown flag, refused by the parser of zlaunch-tools (exit 2).
  result = expect_same_as_tools({"env", "--no-such-flag"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "--no-such-flag")) << result.err;
  // A failure of the work itself: no checkpoint there.
  const std::string missing = testing::make_temp_dir("zl_tools_dispatch_") + "/no_checkpoint";
  result = expect_same_as_tools({"checkpoint", "inspect", missing});
  EXPECT_NE(result.exit_code, 0) << result.out;
  EXPECT_TRUE(contains(result.err, missing)) << result.err;
  fs::remove_all(fs::path(missing).parent_path());
}

// A usage error inside a zlaunch-tools subcommand names every zlaunch subcommand, exactly as an error
// zlaunch finds itself does.
TEST(ToolsDispatch, AUsageErrorInAToolsSubcommandListsEveryZlaunchSubcommand) {
  const auto own = run_process({zlaunch_binary(), "frobnicate"});
  const std::string marker = "the subcommands are: ";
  const auto begin = own.err.find(marker);
  ASSERT_NE(begin, std::string::npos) << own.err;
  const std::string list = own.err.substr(begin, own.err.find(" (see", begin) - begin);
  EXPECT_TRUE(contains(list, "run") && contains(list, "bench")) << list;
  const auto result = expect_same_as_tools({"checkpoint", "inspect"});  // DIR missing
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "zlaunch: " + list + " (see zlaunch --help)")) << list << " vs\n" << result.err;
}

TEST(ToolsDispatch, EnvRunsThroughZlaunch) {
  const auto result = run_process({zlaunch_binary(), "env", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "\"OpenBLAS\"")) << result.out;
}

TEST(ToolsDispatch, WithoutZlaunchToolsZlaunchNamesThePathItLookedAt) {
  const std::string dir = testing::make_temp_dir("zl_tools_dispatch_");
  const std::string alone = dir + "/zlaunch";
  fs::copy_file(zlaunch_binary(), alone);
  auto result = run_process({alone, "env"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_TRUE(contains(result.err, "zlaunch env: the tools executable " + dir + "/zlaunch-tools is missing"))
      << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
  // Its own subcommands do not need zlaunch-tools.
  result = run_process({alone, "--version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  result = run_process({alone, "estimate-memory", "--model", "small"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  result = run_process({alone, "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "checkpoint")) << "the tools subcommands are still listed:\n" << result.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace zl
