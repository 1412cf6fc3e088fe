// The OPENBLAS_CORETYPE advice as a user meets it (docs/launcher.md, zl/launcher/blas_advice.h): the
// launcher asks zlaunch-blas-probe, whose OpenBLAS is the ranks', and passes its advice to every rank
// with a console line naming OpenBLAS's own choice; the user's OPENBLAS_CORETYPE always stands; a
// missing probe costs only the advice, with a warning naming the path looked at.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

namespace fs = std::filesystem;
using testing::run_process;
using testing::zlaunch_binary;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string sibling(const std::string& name) { return fs::path(zlaunch_binary()).parent_path() / name; }

struct ProbeAnswer {
  std::string core;
  std::string coretype;
};

class BlasAdviceTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_blas_advice_");
  void TearDown() override { fs::remove_all(dir_); }

  testing::ProcessOptions options() const { return testing::isolated_launch_options(dir_, {"OPENBLAS_CORETYPE"}); }

  // zlaunch-blas-probe's two lines, run as the launcher runs it (OPENBLAS_CORETYPE unset).
  ProbeAnswer probe() const {
    const auto result = run_process({sibling("zlaunch-blas-probe")}, options());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto first = result.out.find('\n');
    EXPECT_NE(first, std::string::npos) << result.out;
    EXPECT_EQ(result.out.back(), '\n') << result.out;
    if (first == std::string::npos) return {};
    return {result.out.substr(0, first), result.out.substr(first + 1, result.out.size() - first - 2)};
  }

  // The OPENBLAS_CORETYPE rank 0 of `zlaunch` (this binary) saw, "<unset>" when none.
  std::string rank_coretype(const testing::ProcessResult& result) const {
    const auto env = testing::printed_environments(result.out);
    if (env.count(0) == 0 || env.at(0).count("OPENBLAS_CORETYPE") == 0) return "(not printed)";
    return env.at(0).at("OPENBLAS_CORETYPE");
  }
};

TEST_F(BlasAdviceTest, TheProbeAnswersForTheOpenBlasThatZlaunchEnvReports) {
  const ProbeAnswer answer = probe();
  ASSERT_FALSE(answer.core.empty());
  const auto env = run_process({zlaunch_binary(), "env"}, options());
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_TRUE(contains(env.out, ", core " + answer.core)) << answer.core << " vs\n" << env.out;
  if (answer.coretype.empty()) {
    EXPECT_FALSE(contains(env.out, "set OPENBLAS_CORETYPE=")) << env.out;
  } else {
    EXPECT_TRUE(contains(env.out, "set OPENBLAS_CORETYPE=" + answer.coretype)) << env.out;
  }
}

TEST_F(BlasAdviceTest, RanksGetTheProbesAdvice) {
  const ProbeAnswer answer = probe();
  const auto result =
      run_process(testing::zlaunch_run_argv(dir_, {"-n", "2", testing::rank_program(), "--print-env"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  if (answer.coretype.empty()) {
    EXPECT_EQ(rank_coretype(result), "<unset>") << result.out;
    EXPECT_FALSE(contains(result.err, "OpenBLAS chose")) << result.err;
  } else {
    EXPECT_EQ(rank_coretype(result), answer.coretype) << result.out;
    EXPECT_TRUE(contains(result.err, "zlaunch: OpenBLAS chose its " + answer.core + " kernels")) << result.err;
    EXPECT_TRUE(contains(result.err, "ranks get OPENBLAS_CORETYPE=" + answer.coretype)) << result.err;
  }
  EXPECT_FALSE(contains(result.err, "warning")) << result.err;
}

TEST_F(BlasAdviceTest, TheUsersSettingStands) {
  auto o = options();
  o.set_env["OPENBLAS_CORETYPE"] = "Haswell";
  const auto result =
      run_process(testing::zlaunch_run_argv(dir_, {"-n", "1", testing::rank_program(), "--print-env"}), o);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(rank_coretype(result), "Haswell") << result.out;
  EXPECT_FALSE(contains(result.err, "OpenBLAS chose")) << result.err;
}

TEST_F(BlasAdviceTest, WithoutTheProbeTheRunGoesOnWithoutAdvice) {
  const std::string bin = dir_ + "/bin";
  fs::create_directories(bin);
  for (const char* name : {"zlaunch", "zlaunch-rank-guard"}) fs::copy_file(sibling(name), bin + "/" + name);
  std::vector<std::string> argv = testing::zlaunch_run_argv(dir_, {"-n", "1", testing::rank_program(), "--print-env"});
  argv[0] = bin + "/zlaunch";
  const auto result = run_process(argv, options());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.err, "zlaunch: warning: the OpenBLAS probe " + bin + "/zlaunch-blas-probe is missing"))
      << result.err;
  EXPECT_EQ(rank_coretype(result), "<unset>") << result.out;
}

}  // namespace
}  // namespace zl
