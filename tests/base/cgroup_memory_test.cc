// cgroup_memory_headroom_bytes over hierarchies laid out as files on disk (v2 and v1, with ancestors,
// page cache, "max", v1's unlimited value, and a cgroup namespace whose group is the mount's root); the
// real group is exercised end to end by runtime_train_cli_test.
#include "zl/base/cgroup_memory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace zl {
namespace {

namespace fs = std::filesystem;

class CgroupMemoryTest : public ::testing::Test {
 protected:
  std::string root_ = testing::make_temp_dir("zl_cgroup_");
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories(fs::path(root_ + "/" + relative).parent_path());
    std::ofstream(root_ + "/" + relative) << text;
  }
};

TEST_F(CgroupMemoryTest, V2TakesTheTightestAncestorAndCountsInactiveCacheAsFree) {
  write("v2/job/memory.max", "1000000\n");
  write("v2/job/memory.current", "400000\n");
  write("v2/job/step/memory.max", "max\n");
  write("v2/job/step/memory.current", "300000\n");
  write("v2/job/step/memory.stat", "anon 200000\ninactive_file 100000\n");
  // The job's group: 1,000,000 - 400,000 = 600,000; the step's has no limit of its own.
  EXPECT_EQ(cgroup_memory_headroom_bytes("0::/job/step\n", root_ + "/v2", root_ + "/v1"), 600000u);
  write("v2/job/step/memory.max", "500000\n");
  // The step's own: 500,000 - (300,000 - 100,000 cache) = 300,000.
  EXPECT_EQ(cgroup_memory_headroom_bytes("0::/job/step\n", root_ + "/v2", root_ + "/v1"), 300000u);
}

TEST_F(CgroupMemoryTest, V1MemoryControllerAndItsUnlimitedValue) {
  write("v1/a/memory.limit_in_bytes", "9223372036854771712\n");
  write("v1/a/memory.usage_in_bytes", "5000\n");
  const std::string self = "4:memory:/a\n3:cpu,cpuacct:/a\n0::/\n";
  EXPECT_EQ(cgroup_memory_headroom_bytes(self, root_ + "/v2", root_ + "/v1"), std::nullopt) << "unlimited";
  write("v1/a/memory.limit_in_bytes", "8000\n");
  write("v1/a/memory.stat", "cache 3000\ntotal_inactive_file 1000\n");
  EXPECT_EQ(cgroup_memory_headroom_bytes(self, root_ + "/v2", root_ + "/v1"), 4000u);
  write("v1/a/memory.usage_in_bytes", "9000\n");
  EXPECT_EQ(cgroup_memory_headroom_bytes(self, root_ + "/v2", root_ + "/v1"), 0u) << "past the limit: nothing left";
}

TEST_F(CgroupMemoryTest, AGroupSeenAsTheRootOfACgroupNamespaceIsTheMount) {
  // Inside a container /proc/self/cgroup may name a path the container's mount does not have.
  write("v2/memory.max", "2048\n");
  write("v2/memory.current", "1024\n");
  EXPECT_EQ(cgroup_memory_headroom_bytes("0::/outside/the/namespace\n", root_ + "/v2", root_ + "/v1"), 1024u);
}

TEST_F(CgroupMemoryTest, NoLimitAnywhereIsNullopt) {
  EXPECT_EQ(cgroup_memory_headroom_bytes("", root_ + "/v2", root_ + "/v1"), std::nullopt);
  write("v2/memory.max", "max\n");
  write("v2/memory.current", "1\n");
  EXPECT_EQ(cgroup_memory_headroom_bytes("0::/\n", root_ + "/v2", root_ + "/v1"), std::nullopt);
  EXPECT_EQ(cgroup_memory_headroom_bytes("garbage line\n", root_ + "/v2", root_ + "/v1"), std::nullopt);
}

}  // namespace
}  // namespace zl
