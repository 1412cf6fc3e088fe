// Where mpirun/srun put each rank (rank_placement.h): a hostfile's slots filled in order, srun's blocks
// of --ntasks-per-node, and the compact index lists of the failure report. scontrol's expansion of a
// job's node list is tested on a real Slurm (tests/cluster).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "zl/launcher/rank_placement.h"
#include "zl/launcher/slurm_nodes.h"

namespace zl::launcher {
namespace {

TEST(IndexList, JoinsRunsOfThreeOrMore) {
  EXPECT_EQ(index_list({}), "");
  EXPECT_EQ(index_list({3}), "3");
  EXPECT_EQ(index_list({3, 2}), "2, 3");
  EXPECT_EQ(index_list({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(index_list({4, 0, 2, 3, 7, 8}), "0, 2-4, 7, 8");
}

TEST(ExternalPlacement, MpirunFillsEachHostsSlotsInFileOrder) {
  const std::string path = ::testing::TempDir() + "/placement_hosts";
  { std::ofstream(path) << "# a cluster\nalpha slots=1\nbeta slots=3\ngamma\n"; }
  LaunchPlan plan;
  plan.launcher = config::LauncherKind::kMpi;
  plan.hostfile = path;
  plan.world_size = 6;
  plan.num_machines = 3;
  plan.procs_per_machine = 2;
  const auto placement = external_placement(plan);
  ASSERT_EQ(placement.size(), 6u);
  const std::vector<std::pair<int, std::string>> expected = {{0, "alpha"}, {1, "beta"},  {1, "beta"},
                                                             {1, "beta"},  {2, "gamma"}, {-1, ""}};
  for (std::size_t rank = 0; rank < expected.size(); ++rank) {
    EXPECT_EQ(placement[rank].node, expected[rank].first) << "rank " << rank << " (past every slot: unknown)";
    EXPECT_EQ(placement[rank].host, expected[rank].second) << "rank " << rank;
  }
  std::filesystem::remove(path);
}

TEST(ExternalPlacement, MpirunWithoutAHostfileRunsHere) {
  LaunchPlan plan;
  plan.launcher = config::LauncherKind::kMpi;
  plan.world_size = 2;
  plan.procs_per_machine = 2;
  plan.hostname = "here";
  for (const auto& place : external_placement(plan)) {
    EXPECT_EQ(place.node, 0);
    EXPECT_EQ(place.host, "here");
  }
}

TEST(ExternalPlacement, SrunPlacesBlocksOfRanksPerNode) {
  ::unsetenv("SLURM_JOB_NODELIST");
  ::unsetenv("SLURM_NODELIST");
  LaunchPlan plan;
  plan.launcher = config::LauncherKind::kSlurm;
  plan.world_size = 6;
  plan.num_machines = 3;
  plan.procs_per_machine = 2;
  const auto placement = external_placement(plan);
  ASSERT_EQ(placement.size(), 6u);
  for (int rank = 0; rank < 6; ++rank) {
    EXPECT_EQ(placement[static_cast<std::size_t>(rank)].node, rank / 2) << rank;
    EXPECT_EQ(placement[static_cast<std::size_t>(rank)].host, "") << "outside an allocation no host is known";
  }
  EXPECT_TRUE(slurm_job_hosts().empty());
}

}  // namespace
}  // namespace zl::launcher
