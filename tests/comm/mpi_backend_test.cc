// The MPI backend across real processes: `mpirun -np N mpi_rank_checks` for N = 1..4 must pass the
// exact-answer checks on every rank.
#include <gtest/gtest.h>

#include "subprocess.h"

namespace zl::comm {
namespace {

class MpiCollectives : public ::testing::TestWithParam<int> {};

TEST_P(MpiCollectives, EveryRankPassesTheExactChecks) {
  const std::string checks = std::string(ZL_MPI_RANK_CHECKS);
  zl::testing::ProcessOptions options;
  options.set_env = {{"OMPI_ALLOW_RUN_AS_ROOT", "1"},
                     {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"},
                     {"OMPI_MCA_pml", "ob1"},
                     {"OMPI_MCA_btl", "self,vader,tcp"}};
  options.timeout = std::chrono::seconds(120);
  const auto result =
      zl::testing::run_process({"mpirun", "--oversubscribe", "-np", std::to_string(GetParam()), checks}, options);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("mpi checks passed on " + std::to_string(GetParam()) + " ranks"), std::string::npos)
      << result.out << result.err;
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, MpiCollectives, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace zl::comm
