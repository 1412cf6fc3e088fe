// The kernels' structural rules, checked on the source tree (ZL_SOURCE_DIR, set by zl_add_test):
//  1. every kernels/cpu/<stem>.cc has a CUDA twin kernels/cuda/<stem>.cu, and its header
//     include/zl/kernels/<stem>.h declares a `namespace cuda` beside `namespace cpu`;
//  2. every ZL_HOST_DEVICE function in include/zl/kernels/math/*.h is exercised by a CPU test: its
//     name, called (`name(`), appears in some tests/kernels/**/*.cc that is not a *_cuda_test.cc.
// Both checks are textual (file names; a regular expression over the math headers; a whole-word
// search in the test sources), which is all the rules need: a reviewer still judges the tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace zl::kernels {
namespace {

namespace fs = std::filesystem;

fs::path source_dir() {
  const char* dir = std::getenv("ZL_SOURCE_DIR");
  return dir == nullptr ? fs::path() : fs::path(dir);
}

std::set<std::string> stems(const fs::path& dir, const std::string& extension) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == extension) out.insert(entry.path().stem().string());
  }
  return out;
}

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool calls(const std::string& text, const std::string& name) {
  const std::regex call("(^|[^A-Za-z0-9_])" + name + "\\s*\\(");
  return std::regex_search(text, call);
}

class KernelsTwins : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = source_dir();
    ASSERT_FALSE(root_.empty()) << "ZL_SOURCE_DIR is not set (ctest sets it: run through ctest)";
    ASSERT_TRUE(fs::is_directory(root_ / "kernels" / "cpu")) << root_;
  }
  fs::path root_;
};

TEST_F(KernelsTwins, EveryCpuOpHasACudaTwinDeclaredInItsHeader) {
  const auto cpu = stems(root_ / "kernels" / "cpu", ".cc");
  const auto cuda = stems(root_ / "kernels" / "cuda", ".cu");
  EXPECT_FALSE(cpu.empty());
  for (const auto& stem : cpu) {
    EXPECT_TRUE(cuda.count(stem) == 1) << "kernels/cpu/" << stem << ".cc has no CUDA twin kernels/cuda/" << stem
                                       << ".cu";
    const fs::path header = root_ / "kernels" / "include" / "zl" / "kernels" / (stem + ".h");
    ASSERT_TRUE(fs::exists(header)) << "kernels/cpu/" << stem << ".cc has no header " << header;
    const std::string text = read(header);
    EXPECT_NE(text.find("namespace cpu"), std::string::npos) << header << " declares no cpu:: twin";
    EXPECT_NE(text.find("namespace cuda"), std::string::npos) << header << " declares no cuda:: twin";
  }
}

TEST_F(KernelsTwins, EverySharedHostDeviceFunctionIsExercisedByACpuTest) {
  // `ZL_HOST_DEVICE <return type> <name>(`: the return type is one token (possibly qualified).
  const std::regex declaration(R"(ZL_HOST_DEVICE\s+[A-Za-z_][A-Za-z0-9_:<>]*[\s&*]+([A-Za-z_][A-Za-z0-9_]*)\s*\()");
  std::vector<std::pair<std::string, std::string>> functions;  // (header, name)
  for (const auto& entry : fs::directory_iterator(root_ / "kernels" / "include" / "zl" / "kernels" / "math")) {
    if (entry.path().extension() != ".h") continue;
    const std::string text = read(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), declaration), end; it != end; ++it) {
      functions.emplace_back(entry.path().filename().string(), (*it)[1].str());
    }
  }
  EXPECT_GE(functions.size(), 10U) << "the declaration pattern no longer matches the math headers";

  std::string cpu_tests;
  for (const auto& entry : fs::recursive_directory_iterator(root_ / "tests" / "kernels")) {
    const std::string name = entry.path().filename().string();
    const bool cuda_test = name.size() > 13 && name.compare(name.size() - 13, 13, "_cuda_test.cc") == 0;
    if (entry.is_regular_file() && entry.path().extension() == ".cc" && !cuda_test && name != "kernels_twins_test.cc") {
      cpu_tests += read(entry.path());
    }
  }
  for (const auto& [header, name] : functions) {
    EXPECT_TRUE(calls(cpu_tests, name)) << "math/" << header << ": ZL_HOST_DEVICE " << name
                                        << " is called by no CPU test in tests/kernels";
  }
}

}  // namespace
}  // namespace zl::kernels
