// RankContext::from_environment(): one read of the launcher's variables; a process no launcher started
// is a world of one; the GPU rule (ZLAUNCH_LOCAL_DEVICE, else the local rank); bad values named.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "zl/base/error.h"
#include "zl/rank/rank_context.h"

namespace zl::rank {
namespace {

RankContext context(const std::map<std::string, std::string>& env) {
  return RankContext::from_environment([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(RankContext, NoLauncherVariablesIsAWorldOfOne) {
  const RankContext c = context({});
  EXPECT_FALSE(c.launched);
  EXPECT_EQ(c.identity.rank, 0);
  EXPECT_EQ(c.identity.world_size, 1);
  EXPECT_FALSE(c.has_store());
  EXPECT_EQ(c.attempt, 0);
  EXPECT_EQ(c.local_device, 0);
}

TEST(RankContext, ReadsEveryVariableOfTheContract) {
  const RankContext c = context({{"RANK", "3"},
                                 {"WORLD_SIZE", "4"},
                                 {"LOCAL_RANK", "1"},
                                 {"LOCAL_WORLD_SIZE", "2"},
                                 {"ZLAUNCH_ATTEMPT", "2"},
                                 {"ZLAUNCH_RUN_ID", "run-7"},
                                 {"ZLAUNCH_STORE", "10.0.0.1:2900"},
                                 {"ZLAUNCH_STORE_TOKEN", "secret"},
                                 {"ZLAUNCH_HOST", "node1"},
                                 {"ZLAUNCH_CONFIG", "/r/config.resolved.json"}});
  EXPECT_TRUE(c.launched);
  EXPECT_EQ(c.identity.rank, 3);
  EXPECT_EQ(c.identity.world_size, 4);
  EXPECT_EQ(c.identity.local_rank, 1);
  EXPECT_EQ(c.attempt, 2);
  EXPECT_EQ(c.run_id, "run-7");
  EXPECT_TRUE(c.has_store());
  EXPECT_EQ(c.store, "10.0.0.1:2900");
  EXPECT_EQ(c.store_token, "secret");
  EXPECT_EQ(c.host, "node1");
  EXPECT_EQ(c.config_path, "/r/config.resolved.json");
  EXPECT_EQ(c.local_device, 1);  // no ZLAUNCH_LOCAL_DEVICE: the local rank
}

TEST(RankContext, LocalDeviceIsZlaunchLocalDeviceElseTheLocalRank) {
  const std::map<std::string, std::string> base = {
      {"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"}};
  EXPECT_EQ(context(base).local_device, 1);
  auto with_device = base;
  with_device["ZLAUNCH_LOCAL_DEVICE"] = "0";
  EXPECT_EQ(context(with_device).local_device, 0);
  with_device["ZLAUNCH_LOCAL_DEVICE"] = "gpu1";
  try {
    (void)context(with_device);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ZLAUNCH_LOCAL_DEVICE='gpu1'"), std::string::npos) << e.what();
  }
}

TEST(RankContext, MalformedAttemptIsNamed) {
  try {
    (void)context({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"ZLAUNCH_ATTEMPT", "-1"}});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ZLAUNCH_ATTEMPT='-1'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zl::rank
