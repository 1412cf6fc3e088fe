// Mixed precision communication per optimizer step, as the Communicator counts it, equals the ZeRO
// volumes with 2 bytes per element for the 16-bit working dtype (bf16), exactly, padding included
// (engine_traffic_test.cc gives the fp32 volumes and the per-stage terms). Gradient reductions travel in
// communication_data_type: by default the working dtype, or fp32 (4 bytes) when set; parameter
// all-gathers always carry the 16-bit working copy. Every stage adds one 3-float all_reduce (loss sum,
// gradient squares, the non-finite flag) and stage 3 the 8-byte gather-sequence hash of each rank.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "traffic_theory.h"

namespace zl::engine {
namespace {

struct Case {
  int stage, world, accumulation;
  config::CommDataType communication;  // kWorking = bf16
};

class EngineMixedTraffic : public ::testing::TestWithParam<Case> {};

TEST_P(EngineMixedTraffic, PayloadPerStepEqualsTheZeroVolumesAtTwoBytesPerElement) {
  const Case c = GetParam();
  testing::WorldConfig config{c.world, c.stage, 3, 24, c.accumulation, false};
  config.precision = "bf16";
  config.communication_data_type = c.communication;
  const auto records = testing::run_world(config);
  testing::TrafficBytes bytes;
  bytes.gradient = c.communication == config::CommDataType::kFp32 ? 4 : 2;
  bytes.parameter = 2;  // the bf16 working copy
  bytes.scalars = 12;   // loss sum + gradient squares + non-finite flag
  testing::expect_step_traffic(records, testing::zero_theory(config, bytes));
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (int stage = 0; stage <= 3; ++stage) {
    for (int world : {2, 4}) {
      for (int accumulation : {1, 2}) out.push_back(Case{stage, world, accumulation, config::CommDataType::kWorking});
    }
    out.push_back(Case{stage, 2, 1, config::CommDataType::kFp32});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(StagesWorldsAccumulation, EngineMixedTraffic, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           const Case& c = param_info.param;
                           return "stage" + std::to_string(c.stage) + "_world" + std::to_string(c.world) + "_acc" +
                                  std::to_string(c.accumulation) +
                                  (c.communication == config::CommDataType::kWorking
                                       ? ""
                                       : std::string("_comm_") + config::to_string(c.communication));
                         });

}  // namespace
}  // namespace zl::engine
