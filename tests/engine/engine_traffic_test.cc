// Communication per optimizer step, as the Communicator counts it (payload as nccl-tests sizes it),
// equals the ZeRO paper's volumes exactly, padding included (Psi = padded parameters, 4 bytes each):
//   stage 0: all_reduce Psi; stages 1-2: reduce_scatter Psi + all_gather Psi; with accumulation A,
//   stage 2 reduce-scatters every micro-step (A Psi); stage 3: all_gather 2 Psi of the sharded layers
//   (forward + backward) + reduce_scatter A Psi, with the persistent layers' after-step all_gather
//   counted apart. Every stage adds one 2-float all_reduce (loss sum and gradient squares) and stage 3
//   one all_gather of each rank's 8-byte gather-sequence hash. Measured between steps 2 and 3: stage 3
//   learns the layers' order of use in the first step. The number of calls follows the bucket rules
//   (traffic_theory.h) for the harness's bucket sizes.
#include <gtest/gtest.h>

#include <tuple>

#include "traffic_theory.h"

namespace zl::engine {
namespace {

class EngineTraffic : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(EngineTraffic, PayloadPerStepEqualsTheZeroVolumes) {
  const auto [stage, world, accumulation] = GetParam();
  const testing::WorldConfig config{world, stage, 3, 24, accumulation, false};
  const auto records = testing::run_world(config);
  const testing::TrafficBytes fp32;  // 4-byte gradients and parameters; 2 floats of step scalars
  testing::expect_step_traffic(records, testing::zero_theory(config, fp32));
}

INSTANTIATE_TEST_SUITE_P(StagesWorldsAccumulation, EngineTraffic,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(2, 4),
                                            ::testing::Values(1, 2)));

}  // namespace
}  // namespace zl::engine
