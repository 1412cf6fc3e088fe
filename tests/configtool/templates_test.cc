// Every shipped template is compiled in unchanged and validates: the DeepSpeed ones written by
// `zlaunch config --template` at several world sizes, the launch ones as they stand in templates/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.h"
#include "zl/config/templates.h"

namespace {

using zl::testing::run_process;
using zl::testing::zlaunch_binary;

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Templates, EmbeddedCopiesMatchTheSourceTree) {
  const auto& templates = zl::config::embedded_templates();
  EXPECT_EQ(templates.size(), 10u);
  for (const auto& t : templates) {
    EXPECT_EQ(std::string(t.content),
              read(std::filesystem::path(zl::testing::source_dir()) / "templates" / std::string(t.name)))
        << t.name;
  }
}

TEST(Templates, EveryDeepSpeedTemplateValidatesAtSeveralWorldSizes) {
  const std::string dir = zl::testing::make_temp_dir("zl_templates_");
  for (const auto& name : zl::config::deepspeed_template_names()) {
    const std::string out = dir + "/" + name;
    auto r = run_process({zlaunch_binary(), "config", "--template", name, "--output", out, "--device", "cuda"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.out << r.err;
    for (const char* n : {"1", "3", "8"}) {
      r = run_process({zlaunch_binary(), "config", "validate", out + "/zlaunch.yaml", "--num_processes", n});
      EXPECT_EQ(r.exit_code, 0) << name << " at " << n << ": " << r.err;
      EXPECT_EQ(r.out.find("warning"), std::string::npos) << name << ": templates must validate without warnings\n"
                                                          << r.out;
    }
  }
}

TEST(Templates, EveryLaunchTemplateValidates) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(zl::testing::source_dir()) / "templates/launch")) {
    if (entry.path().extension() != ".yaml") continue;  // slurm.sbatch is the batch script beside slurm.yaml
    const auto r = run_process({zlaunch_binary(), "config", "validate", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
    EXPECT_EQ(r.out.find("warning"), std::string::npos) << entry.path() << "\n" << r.out;
  }
}

}  // namespace
