// Mixed precision communication per optimizer step, as the Communicator counts it, equals the ZeRO
// volumes with 2 bytes per element for the 16-bit working dtype (bf16), exactly, padding included
// (engine_traffic_test.cc gives the fp32 volumes and the per-stage terms). Gradient reductions travel in
// communication_data_type: by default the working dtype, or fp32 (4 bytes) when set; parameter
// all-gathers always carry the 16-bit working copy. Every stage adds one 3-float all_reduce (loss sum,
// gradient squares, the non-finite flag) and stage 3 the 8-byte gather-sequence hash of each rank.
#include <gtest/gtest.h>

#include "world_harness.h"

namespace zl::engine {
namespace {

using comm::Collective;

struct Traffic {
  std::uint64_t all_reduce = 0, reduce_scatter = 0, all_gather = 0;
};

Traffic theory(int stage, int world, int accumulation, std::uint64_t grad_bytes) {
  const auto sizes = testing::test_model().layer_parameter_counts();
  const std::int64_t threshold = 10 * testing::test_model().n_embd;
  std::uint64_t psi = 0, padded = 0, sharded = 0, persistent = 0;
  for (const std::int64_t p : sizes) {
    const std::int64_t pad = (p + world - 1) / world * world;
    psi += static_cast<std::uint64_t>(p);
    padded += static_cast<std::uint64_t>(pad);
    (p < threshold ? persistent : sharded) += static_cast<std::uint64_t>(pad);
  }
  const auto a = static_cast<std::uint64_t>(accumulation);
  constexpr std::uint64_t kParamBytes = 2;
  Traffic t;
  t.all_reduce = 12;  // loss sum + gradient squares + non-finite flag
  switch (stage) {
    case 0: t.all_reduce += grad_bytes * psi; break;
    case 1: t.reduce_scatter = grad_bytes * padded; t.all_gather = kParamBytes * padded; break;
    case 2: t.reduce_scatter = grad_bytes * padded * a; t.all_gather = kParamBytes * padded; break;
    default:
      t.reduce_scatter = grad_bytes * padded * a;
      t.all_gather = 2 * kParamBytes * sharded * a + kParamBytes * persistent + 8 * static_cast<std::uint64_t>(world);
      break;
  }
  return t;
}

struct Case {
  int stage, world, accumulation;
  std::string communication;  // "" = bf16
};

class EngineMixedTraffic : public ::testing::TestWithParam<Case> {};

TEST_P(EngineMixedTraffic, PayloadPerStepEqualsTheZeroVolumesAtTwoBytesPerElement) {
  const Case c = GetParam();
  testing::WorldConfig config{c.world, c.stage, 3, 24, c.accumulation, false};
  config.precision = "bf16";
  config.communication_data_type = c.communication;
  const auto records = testing::run_world(config);
  const Traffic want = theory(c.stage, c.world, c.accumulation, c.communication == "fp32" ? 4 : 2);
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "");
    const auto& before = records[r].comm_after_step.at(1);
    const auto& after = records[r].comm_after_step.at(2);
    auto delta = [&](Collective k) { return after.of(k).payload_bytes - before.of(k).payload_bytes; };
    EXPECT_EQ(delta(Collective::kAllReduce), want.all_reduce) << "rank " << r;
    EXPECT_EQ(delta(Collective::kReduceScatter), want.reduce_scatter) << "rank " << r;
    EXPECT_EQ(delta(Collective::kAllGather), want.all_gather) << "rank " << r;
    EXPECT_EQ(delta(Collective::kBroadcast), 0u) << "rank " << r;
  }
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (int stage = 0; stage <= 3; ++stage) {
    for (int world : {2, 4}) {
      for (int accumulation : {1, 2}) out.push_back(Case{stage, world, accumulation, ""});
    }
    out.push_back(Case{stage, 2, 1, "fp32"});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(StagesWorldsAccumulation, EngineMixedTraffic, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           const Case& c = param_info.param;
                           return "stage" + std::to_string(c.stage) + "_world" + std::to_string(c.world) + "_acc" +
                                  std::to_string(c.accumulation) + (c.communication.empty() ? "" : "_comm_" + c.communication);
                         });

}  // namespace
}  // namespace zl::engine
