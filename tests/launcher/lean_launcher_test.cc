// zlaunch loads no compute or communication library (CUDA driver or runtime, NCCL, cuBLAS, OpenBLAS,
// MPI, Gloo; docs/launcher.md "Executables"): not at start-up (ldd), not on use in any of its own
// subcommands (LD_DEBUG=files lists every library the loader maps, dlopen included), and not while it
// supervises ranks (/proc/<pid>/maps of the running launcher). zlaunch-tools and zlaunch-blas-probe,
// which do load them, are the controls that show each check sees such a library when it is there.
#include <gtest/gtest.h>
#include <signal.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "launch_support.h"
#include "subprocess.h"
#include "zl/base/build_info.h"

namespace zl {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::read_file;
using testing::run_process;
using testing::zlaunch_binary;

// The libraries zlaunch must not load, as file-name prefixes: the CUDA driver and runtime, NCCL,
// cuBLAS and cuBLASLt, OpenBLAS (also as Debian's libblas.so.3 alternative), Open MPI (libmpi and the
// libopen-pal/libopen-rte it brings), Gloo.
constexpr std::array<std::string_view, 11> kHeavyPrefixes = {"libcuda.so",  "libcudart",   "libnccl", "libcublas.so",
                                                             "libcublasLt", "libopenblas", "libblas", "libmpi",
                                                             "libopen-pal", "libopen-rte", "libgloo"};

// The heavy libraries named in text (ldd output, a maps file, loader debug output): each word's file
// name (after '=' and the last '/') that starts with one of kHeavyPrefixes.
std::set<std::string> heavy_libraries_in(const std::string& text) {
  std::set<std::string> found;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    if (const auto eq = word.find('='); eq != std::string::npos) word = word.substr(eq + 1);
    const std::string name = word.substr(word.rfind('/') + 1);
    for (const auto prefix : kHeavyPrefixes) {
      if (name.rfind(prefix, 0) == 0) found.insert(name);
    }
  }
  return found;
}

std::string joined(const std::set<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

std::string sibling(const std::string& name) { return fs::path(zlaunch_binary()).parent_path() / name; }

bool has_prefix_among(const std::set<std::string>& names, std::string_view prefix) {
  for (const auto& name : names) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(LeanLauncher, LddListsNoComputeOrCommunicationLibrary) {
  const auto zlaunch = run_process({"ldd", zlaunch_binary()});
  ASSERT_EQ(zlaunch.exit_code, 0) << zlaunch.err;
  ASSERT_NE(zlaunch.out.find("libc.so.6"), std::string::npos) << "not ldd's listing:\n" << zlaunch.out;
  EXPECT_TRUE(heavy_libraries_in(zlaunch.out).empty())
      << "zlaunch links " << joined(heavy_libraries_in(zlaunch.out)) << ":\n"
      << zlaunch.out;

  // The control: zlaunch-tools links them, and the same check names them.
  const auto tools = run_process({"ldd", sibling("zlaunch-tools")});
  ASSERT_EQ(tools.exit_code, 0) << tools.err;
  const auto heavy = heavy_libraries_in(tools.out);
  EXPECT_TRUE(has_prefix_among(heavy, "libopenblas") || has_prefix_among(heavy, "libblas")) << tools.out;
  EXPECT_TRUE(has_prefix_among(heavy, "libmpi")) << tools.out;
  EXPECT_TRUE(has_prefix_among(heavy, "libgloo")) << tools.out;
  if (build_info::kHaveCuda) {
    EXPECT_TRUE(has_prefix_among(heavy, "libcudart")) << tools.out;
    EXPECT_TRUE(has_prefix_among(heavy, "libnccl")) << tools.out;
  }
}

class LeanLauncherRun : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_lean_launcher_");
  void TearDown() override { fs::remove_all(dir_); }

  // Runs zlaunch ARGS as a user without setup of their own, with the loader's debug output in one file
  // per process, and returns the libraries that the process started as `program` loaded (its "file="
  // lines: needed at start-up or dlopened). `found` says whether such a process ran.
  std::string loaded_by(const std::vector<std::string>& args, const std::string& program, bool& found,
                        const std::optional<std::string>& stdin_text = {}) {
    const std::string debug_dir = dir_ + "/ld_debug";
    fs::remove_all(debug_dir);
    fs::create_directories(debug_dir);
    testing::ProcessOptions options = testing::isolated_launch_options(dir_, {"OPENBLAS_CORETYPE"});
    options.stdin_text = stdin_text;
    options.set_env["LD_DEBUG"] = "files";
    options.set_env["LD_DEBUG_OUTPUT"] = debug_dir + "/ld";
    std::vector<std::string> argv = {zlaunch_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run_process(argv, options);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    found = false;
    std::string files;
    for (const auto& entry : fs::directory_iterator(debug_dir)) {
      const std::string text = read_file(entry.path());
      if (text.find("transferring control: " + program + "\n") == std::string::npos) continue;
      found = true;
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.find("file=") != std::string::npos) files += line + "\n";
      }
    }
    return files;
  }
};

TEST_F(LeanLauncherRun, ItsOwnSubcommandsLoadNoneOnUse) {
  const std::string wizard_answers =
      "1\n2\n\n4\ncpu\n2\nsmall\n2\n1\n\n2\n\n1\n\n\n2\n5\n\n" + dir_ + "/wizard\n";  // as wizard_test.cc
  struct Case {
    std::vector<std::string> args;
    std::optional<std::string> stdin_text;
  };
  const std::vector<Case> cases = {
      {{"--version"}, {}},
      {{"--help"}, {}},
      {{"config", "default", "--output", dir_ + "/default"}, {}},
      {{"config", "show"}, {}},
      {{"config", "validate", dir_ + "/default/ds_config.json"}, {}},
      {{"config"}, wizard_answers},
      {{"estimate-memory", "--model", "small", "--num_processes", "4"}, {}},
      {{"run", "--dry_run", "--num_processes", "4", "/bin/true"}, {}},
      {{"run", "--log_dir", dir_ + "/logs", "--num_processes", "4", "/bin/true"}, {}},
  };
  for (const auto& c : cases) {
    std::string name;
    for (const auto& a : c.args) name += " " + a;
    SCOPED_TRACE("zlaunch" + name);
    bool ran = false;
    const std::string files = loaded_by(c.args, zlaunch_binary(), ran, c.stdin_text);
    ASSERT_TRUE(ran) << "no loader output of zlaunch itself";
    ASSERT_NE(files.find("libc.so.6"), std::string::npos) << "not the loader's listing:\n" << files;
    EXPECT_TRUE(heavy_libraries_in(files).empty()) << "zlaunch loaded " << joined(heavy_libraries_in(files)) << ":\n"
                                                   << files;
  }
}

// The control for the check above: in the same kind of run (OPENBLAS_CORETYPE unset, so the launcher
// asks), the OpenBLAS probe's own process loads OpenBLAS, and the check sees it.
TEST_F(LeanLauncherRun, TheProbeLoadsOpenBlasInItsOwnProcess) {
  bool ran = false;
  const std::string files =
      loaded_by({"run", "--log_dir", dir_ + "/logs", "-n", "1", "/bin/true"}, sibling("zlaunch-blas-probe"), ran);
  ASSERT_TRUE(ran) << "zlaunch run did not run zlaunch-blas-probe";
  const auto heavy = heavy_libraries_in(files);
  EXPECT_TRUE(has_prefix_among(heavy, "libopenblas") || has_prefix_among(heavy, "libblas")) << files;
}

// A library opened mid-run (a dlopen while supervising) shows in the running launcher's maps.
TEST_F(LeanLauncherRun, SupervisingLauncherMapsNone) {
  const std::string pid_dir = dir_ + "/pids";
  fs::create_directories(pid_dir);
  testing::BackgroundProcess launcher(testing::zlaunch_run_argv(dir_, {"--num_processes", "2", testing::rank_program(),
                                                                       "--pid-dir", pid_dir, "--sleep", "60000"}),
                                      dir_);
  const auto ranks = testing::read_pid_files(pid_dir, 2, 30s);
  ASSERT_EQ(ranks.size(), 2U) << launcher.err();
  // Past the supervisor's first per-rank process sample and monitor tick (1 s apart at most), where it
  // opens what it opens on use.
  std::this_thread::sleep_for(1500ms);
  const std::string maps = read_file("/proc/" + std::to_string(launcher.pid()) + "/maps");
  ASSERT_NE(maps.find(fs::canonical(zlaunch_binary()).string()), std::string::npos) << "not the launcher's maps:\n"
                                                                                    << maps;
  EXPECT_TRUE(heavy_libraries_in(maps).empty()) << "the launcher maps " << joined(heavy_libraries_in(maps)) << ":\n"
                                                << maps;
  launcher.signal(SIGTERM);
  EXPECT_NE(launcher.wait(60s), -1) << "the launcher did not stop on SIGTERM";
}

}  // namespace
}  // namespace zl
