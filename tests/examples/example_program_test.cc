// The C++ API as a user meets it: examples/train_tiny_gpt, a program of its own on zlaunch::engine,
// run under `zlaunch run` with 2 ranks at stage 3 (it must learn); and the same example built
// stand-alone against an installed zlaunch through find_package(zlaunch).
#include <gtest/gtest.h>

#include <regex>

#include "subprocess.h"

namespace zl {
namespace {

using testing::run_process;

// "loss A -> B" from the example's last line; checks that B < A.
void expect_learned(const std::string& out) {
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("loss ([0-9.]+) -> ([0-9.]+)"))) << out;
  EXPECT_LT(std::stod(m[2]), std::stod(m[1])) << out;
}

TEST(ExampleProgram, TrainsUnderTheLauncherAtStageThree) {
  const auto result = run_process({testing::zlaunch_binary(), "run", "--num_processes", "2", "--log_dir",
                                   testing::make_temp_dir("zl_example_logs_"),
                                   std::string(ZL_BUILD_DIR) + "/bin/train_tiny_gpt", "--stage", "3", "--steps", "20"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("at ZeRO stage 3 on 2 ranks"), std::string::npos) << result.out;
  expect_learned(result.out);
}

TEST(ExampleProgram, BuildsAgainstAnInstalledZlaunchWithFindPackage) {
  const std::string work = testing::make_temp_dir("zl_consumer_");
  const std::string prefix = work + "/prefix";
  testing::ProcessOptions options;
  options.timeout = std::chrono::minutes(10);
  auto step = [&](const std::vector<std::string>& argv) {
    const auto r = run_process(argv, options);
    EXPECT_EQ(r.exit_code, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << "\n" << r.out << r.err;
    return r.exit_code == 0;
  };
  ASSERT_TRUE(step({"cmake", "--install", ZL_BUILD_DIR, "--prefix", prefix}));
  ASSERT_TRUE(step({"cmake", "-S", testing::source_dir() + "/examples", "-B", work + "/build", "-G", "Ninja",
                    "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_BUILD_TYPE=Release"}));
  ASSERT_TRUE(step({"cmake", "--build", work + "/build"}));
  const auto result = run_process({prefix + "/bin/zlaunch", "run", "--num_processes", "2", "--log_dir", work + "/logs",
                                   work + "/build/train_tiny_gpt", "--stage", "2", "--steps", "10"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  expect_learned(result.out);
}

}  // namespace
}  // namespace zl
