// `zlaunch run script.py` as `accelerate launch script.py` runs it: with the Python on PATH (python3,
// then python), or $PYTHON; a missing script or interpreter exits 2 naming what was tried.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

using testing::run_process;

class PythonScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ + "/hello.py") << "import os, sys\n"
                                         "print('hello from rank', os.environ['RANK'], 'of', "
                                         "os.environ['WORLD_SIZE'], *sys.argv[1:])\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args);
  }
  testing::ProcessOptions options() const { return testing::isolated_launch_options(dir_, {"PYTHON"}); }
  std::string dir_ = testing::make_temp_dir("zl_run_py_");
};

TEST_F(PythonScriptTest, AScriptRunsWithThePythonOnPath) {
  const auto result = run_process(zlaunch({"-n", "2", dir_ + "/hello.py", "--flag", "x"}), options());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("hello from rank 0 of 2 --flag x"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("hello from rank 1 of 2 --flag x"), std::string::npos) << result.out;
}

TEST_F(PythonScriptTest, MissingScriptOrInterpreterExitsTwoNamingIt) {
  auto result = run_process(zlaunch({"-n", "1", dir_ + "/absent.py"}), options());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("Python script '" + dir_ + "/absent.py' does not exist"), std::string::npos) << result.err;
  testing::ProcessOptions bad_python = options();
  std::erase(bad_python.unset_env, "PYTHON");
  bad_python.set_env["PYTHON"] = dir_ + "/no-such-python";
  result = run_process(zlaunch({"-n", "1", dir_ + "/hello.py"}), bad_python);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("no interpreter was found (tried $PYTHON (" + dir_ + "/no-such-python))"),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace zl
