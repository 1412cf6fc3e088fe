// The memory estimate (zl/config/memory_estimate.h: what `zlaunch estimate-memory`, the wizard and
// memory_estimate.json report) against what the engine allocates: real worlds of 2-4 ranks (threads
// with gloo collectives between them, world_harness.h) train the harness's model for three steps at
// every ZeRO stage, in fp32 and bf16, and each rank's accounting allocator reports its peak bytes of
// every kind. (Each rank has its own allocator: the ranks share one process, so default_allocator()
// would add them up.) The estimate is computed from the same resolved configuration alone, without the
// engine, and must be exact for every kind: model states (params, grads, optimizer, master) and
// activations, and the buffers, whose peak the estimate finds by replaying the engine's allocation
// rules (configtool/src/buffer_replay.h). The peak of all kinds together is their sum: every buffer peak
// recurs from the second step on, when the optimizer states and activations exist.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>

#include "world_harness.h"
#include "zl/config/memory_estimate.h"
#include "zl/runtime/allocator.h"

namespace zl::engine {
namespace {

using runtime::MemoryKind;
using testing::WorldConfig;

struct Case {
  int stage;
  int world;
  std::string precision;  // "fp32" | "bf16"
  bool overlap_comm;
  std::int64_t bucket;  // reduce and all-gather bucket elements; 0 = the harness's
  config::CommDataType communication = config::CommDataType::kWorking;
};

std::string case_name(const Case& c) {
  std::string name = "stage" + std::to_string(c.stage) + "_world" + std::to_string(c.world) + "_" + c.precision;
  if (c.overlap_comm) name += "_overlap";
  if (c.bucket > 0) name += "_bucket" + std::to_string(c.bucket);
  if (c.communication == config::CommDataType::kFp32) name += "_fp32comm";
  return name;
}

// What the launcher would resolve for this world: the harness's model, training settings and ranks.
config::ResolvedConfig resolved(const WorldConfig& world) {
  config::ResolvedConfig c;
  c.launch.model = testing::test_model().label();
  c.launch.num_processes = world.world_size;
  c.launch.device = config::DeviceKind::kCpu;
  c.launch.mixed_precision = world.precision == "bf16" ? config::Precision::kBf16 : config::Precision::kNo;
  c.training = testing::test_training(world);
  return c;
}

class MemoryEstimateVsAllocator : public ::testing::TestWithParam<Case> {};

TEST_P(MemoryEstimateVsAllocator, EveryKindEqualsTheMeasuredPeak) {
  const Case& c = GetParam();
  WorldConfig world{c.world, c.stage, 3, 12, 1, c.overlap_comm};
  world.precision = c.precision;
  world.reduce_bucket_size = c.bucket;
  world.allgather_bucket_size = c.bucket;
  world.communication_data_type = c.communication;
  const config::MemoryEstimate e = config::estimate_memory(config::memory_estimate_request(resolved(world)));
  ASSERT_EQ(e.exact, (std::vector<std::string>{"params", "grads", "optimizer", "master", "buffers", "activations"}));

  const auto records = testing::run_world(world);
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "") << "rank " << r;
    const runtime::MemoryStats& m = records[r].memory_after_last_step;
    EXPECT_EQ(m.peak_bytes(MemoryKind::kParams), e.params_bytes) << "rank " << r;
    EXPECT_EQ(m.peak_bytes(MemoryKind::kGrads), e.grads_bytes) << "rank " << r;
    EXPECT_EQ(m.peak_bytes(MemoryKind::kOptimizer), e.optimizer_bytes) << "rank " << r;
    EXPECT_EQ(m.peak_bytes(MemoryKind::kMaster), e.master_bytes) << "rank " << r;
    EXPECT_EQ(m.peak_bytes(MemoryKind::kActivations), e.activation_bytes) << "rank " << r;
    EXPECT_EQ(m.peak_bytes(MemoryKind::kBuffers), e.buffer_bytes())
        << "rank " << r << ": the estimate's peak is at " << e.buffer_peak_at;
    EXPECT_EQ(m.total_peak[static_cast<std::size_t>(runtime::Device::kCpu)], e.total_with_activations_bytes())
        << "rank " << r;
  }
}

// Every stage at 2 and 4 ranks in fp32 and bf16, with and without overlap_comm (world 4 overlaps), with
// the harness's buckets (reduce h^2 elements, all-gather more than the model) and with buckets of 3001
// elements, which split every block over several; bf16 gradients reduced in fp32; and three ranks.
std::vector<Case> cases() {
  std::vector<Case> out;
  for (const int stage : {0, 1, 2, 3}) {
    for (const int world : {2, 4}) {
      for (const char* precision : {"fp32", "bf16"}) {
        out.push_back(Case{stage, world, precision, world == 4, 0});
        if (stage > 0) out.push_back(Case{stage, world, precision, world == 4, 3001});
      }
    }
    out.push_back(Case{stage, 2, "bf16", true, 0, config::CommDataType::kFp32});
  }
  // Three ranks pad the blocks and the final LayerNorm (stage 0 keeps them unpadded).
  out.push_back(Case{0, 3, "fp32", false, 0});
  out.push_back(Case{3, 3, "bf16", false, 0});
  return out;
}

INSTANTIATE_TEST_SUITE_P(StagesWorldsPrecisions, MemoryEstimateVsAllocator, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) { return case_name(param_info.param); });

}  // namespace
}  // namespace zl::engine
