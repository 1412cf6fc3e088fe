// rank_identity_from_env(): torch-style, OpenMPI and Slurm variables, precedence and bad values.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "zl/base/error.h"
#include "zl/rank/rank_identity.h"

namespace zl::rank {
namespace {

RankIdentity identity(const std::map<std::string, std::string>& env) {
  return rank_identity_from_env([&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(RankIdentity, TorchStyleVariables) {
  const auto id = identity(
      {{"RANK", "5"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "4"}, {"NODE_RANK", "1"}});
  EXPECT_EQ(id.rank, 5);
  EXPECT_EQ(id.world_size, 8);
  EXPECT_EQ(id.local_rank, 1);
  EXPECT_EQ(id.local_world_size, 4);
  EXPECT_EQ(id.node_rank, 1);
  EXPECT_EQ(id.source, "torch");
}

TEST(RankIdentity, OpenMpiVariablesGiveTheNodeFromRankAndLocalSize) {
  const auto id = identity({{"OMPI_COMM_WORLD_RANK", "6"},
                            {"OMPI_COMM_WORLD_SIZE", "8"},
                            {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                            {"OMPI_COMM_WORLD_LOCAL_SIZE", "4"},
                            {"OMPI_COMM_WORLD_NODE_RANK", "2"}});
  EXPECT_EQ(id.rank, 6);
  EXPECT_EQ(id.world_size, 8);
  EXPECT_EQ(id.local_rank, 2);
  EXPECT_EQ(id.local_world_size, 4);
  EXPECT_EQ(id.node_rank, 1);
  EXPECT_EQ(id.source, "openmpi");
}

TEST(RankIdentity, SlurmVariablesWithCompressedTasksPerNode) {
  const auto id = identity({{"SLURM_PROCID", "6"},
                            {"SLURM_NTASKS", "7"},
                            {"SLURM_LOCALID", "0"},
                            {"SLURM_NODEID", "3"},
                            {"SLURM_TASKS_PER_NODE", "2(x3),1"}});
  EXPECT_EQ(id.rank, 6);
  EXPECT_EQ(id.world_size, 7);
  EXPECT_EQ(id.local_rank, 0);
  EXPECT_EQ(id.local_world_size, 1);  // node 3 is the fourth node: the trailing ",1"
  EXPECT_EQ(id.node_rank, 3);
  EXPECT_EQ(id.source, "slurm");
  const auto second = identity({{"SLURM_PROCID", "3"},
                                {"SLURM_NTASKS", "7"},
                                {"SLURM_LOCALID", "1"},
                                {"SLURM_NODEID", "1"},
                                {"SLURM_TASKS_PER_NODE", "2(x3),1"}});
  EXPECT_EQ(second.local_world_size, 2);
  const auto explicit_count = identity({{"SLURM_PROCID", "1"},
                                        {"SLURM_NTASKS", "4"},
                                        {"SLURM_LOCALID", "1"},
                                        {"SLURM_NTASKS_PER_NODE", "2"},
                                        {"SLURM_NODEID", "0"}});
  EXPECT_EQ(explicit_count.local_world_size, 2);
}

TEST(RankIdentity, TorchStyleWinsOverMpiAndSlurm) {
  const auto id = identity({{"RANK", "1"},
                            {"WORLD_SIZE", "2"},
                            {"OMPI_COMM_WORLD_RANK", "3"},
                            {"OMPI_COMM_WORLD_SIZE", "4"},
                            {"SLURM_PROCID", "0"},
                            {"SLURM_NTASKS", "1"}});
  EXPECT_EQ(id.source, "torch");
  EXPECT_EQ(id.rank, 1);
  EXPECT_EQ(id.local_world_size, 2) << "no local variables: one machine";
}

TEST(RankIdentity, BadOrMissingValuesAreUsageErrorsNamingTheVariable) {
  try {
    identity({{"RANK", "x"}, {"WORLD_SIZE", "2"}});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("RANK='x'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(identity({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), UsageError);  // rank out of range
  EXPECT_THROW(identity({{"WORLD_SIZE", "0"}, {"RANK", "0"}}), UsageError);
  try {
    identity({});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("OMPI_COMM_WORLD_RANK"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zl::rank
