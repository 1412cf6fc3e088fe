// `zlaunch run script.py` as `accelerate launch script.py` runs it: with the Python on PATH (python3,
// then python), or --python / $PYTHON; -m runs a module, --no_python the file itself; a missing script
// or interpreter exits 2 naming what was tried.
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

TEST_F(PythonScriptTest, ModuleRunsWithDashM) {
  std::ofstream(dir_ + "/zl_probe_module.py")
      << "import os, sys\nprint('module rank', os.environ['RANK'], *sys.argv[1:])\n";
  testing::ProcessOptions in_dir = options();
  in_dir.set_env["PYTHONPATH"] = dir_;
  const auto result = run_process(zlaunch({"-n", "2", "-m", "zl_probe_module", "--x"}), in_dir);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("module rank 0 --x"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("module rank 1 --x"), std::string::npos) << result.out;
}

TEST_F(PythonScriptTest, NoPythonRunsTheFileItself) {
  // A .py that is a shell script: only --no_python runs it as written.
  const std::string script = dir_ + "/shell.py";
  std::ofstream(script) << "#!/bin/sh\necho shell rank $RANK\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const auto result = run_process(zlaunch({"-n", "1", "--no_python", script}), options());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("shell rank 0"), std::string::npos) << result.out;
}

TEST_F(PythonScriptTest, PythonFlagNamesTheInterpreterAndModuleWithNoPythonIsRefused) {
  auto result = run_process(zlaunch({"-n", "1", "--python", dir_ + "/no-such-python", dir_ + "/hello.py"}), options());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("tried --python " + dir_ + "/no-such-python"), std::string::npos) << result.err;
  result = run_process(zlaunch({"-n", "1", "-m", "--no_python", "json.tool"}), options());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--module and --no_python cannot be used together"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace zl
