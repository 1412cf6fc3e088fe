// The ZeRO engine on device: cuda (docs/gpu.md). Runs where GPUs are visible, skips with the reason
// elsewhere. Ranks are threads, rank r on GPU r, reducing over NCCL (world_harness.h).
//
// What must hold on the GPU:
// - Equivalence: the per-step losses on the GPU equal the CPU engine's for the same config, to
//   kCrossDeviceTolerance (relative). The kernels' parity tests bound each op's difference (cuBLAS and
//   OpenBLAS sum in different orders; everything element-wise is bit-identical), and five steps of
//   AdamW keep the loss within 1e-4 of the CPU run. Across stages on the GPU the losses agree to
//   kSameDeviceTolerance, as engine_equivalence_test requires on the CPU.
// - Memory: the device bytes by kind equal the ZeRO formulas of engine_memory_test, exactly, and no
//   model state is left on the host.
// - Offload (ZeRO-Offload): with offload_optimizer the optimizer states (8 bytes per owned element) and
//   an fp32 master (4) are in host memory and none on the GPU; with offload_param at stage 3 the
//   parameter shards are too. The training is the same: the CPU and CUDA AdamW twins compute the same
//   bits, so the losses equal the GPU run without offload to kSameDeviceTolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "world_harness.h"
#include "zero_formulas.h"
#include "zl/device/accelerator_info.h"
#include "zl/runtime/allocator.h"

namespace zl::engine {
namespace {

using runtime::Device;
using runtime::MemoryKind;

constexpr int kSteps = 5;
constexpr double kCrossDeviceTolerance = 1e-4;
constexpr double kSameDeviceTolerance = 1e-5;

class EngineOnGpu : public ::testing::TestWithParam<std::tuple<int, int>> {
 protected:
  void SetUp() override {
    const auto info = device::query_accelerators();
    const int world = std::get<1>(GetParam());
    if (info.gpus.empty()) GTEST_SKIP() << "no GPU visible: " << info.no_gpu_reason;
    if (static_cast<int>(info.gpus.size()) < world) {
      GTEST_SKIP() << world << " GPUs needed, " << info.gpus.size() << " visible";
    }
  }
};

void expect_close(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_LE(std::abs(actual[i] - expected[i]), tolerance * std::abs(expected[i]))
        << what << ", step " << i + 1 << ": " << actual[i] << " against " << expected[i];
  }
}

TEST_P(EngineOnGpu, LossesEqualTheCpuEngine) {
  const auto [stage, world] = GetParam();
  testing::WorldConfig config{world, stage, kSteps};
  const auto cpu = testing::run_world(config);
  config.device = "cuda";
  const auto gpu = testing::run_world(config);
  ASSERT_EQ(cpu[0].error, "");
  for (std::size_t r = 0; r < gpu.size(); ++r) {
    ASSERT_EQ(gpu[r].error, "") << "rank " << r;
    expect_close(gpu[r].losses, cpu[0].losses, kCrossDeviceTolerance, "GPU rank " + std::to_string(r));
  }
  // And the same training at every stage on the GPU.
  testing::WorldConfig stage0{world, 0, kSteps};
  stage0.device = "cuda";
  const auto reference = testing::run_world(stage0);
  ASSERT_EQ(reference[0].error, "");
  expect_close(gpu[0].losses, reference[0].losses, kSameDeviceTolerance, "stage against stage 0 on the GPU");
}

TEST_P(EngineOnGpu, DeviceBytesByKindEqualTheZeroFormulas) {
  const auto [stage, world] = GetParam();
  testing::WorldConfig config{world, stage, 1};
  config.device = "cuda";
  const auto records = testing::run_world(config);
  const testing::StateBytes e = testing::zero_state_bytes(stage, world, testing::kFp32Widths);
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "") << "rank " << r;
    const auto& m = records[r].memory_after_first_step;
    EXPECT_EQ(m.current_bytes(MemoryKind::kParams, Device::kCuda), e.params) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kGrads, Device::kCuda), e.grads) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer, Device::kCuda), e.optimizer) << "rank " << r;
    for (const MemoryKind kind : {MemoryKind::kParams, MemoryKind::kGrads, MemoryKind::kOptimizer}) {
      EXPECT_EQ(m.current_bytes(kind, Device::kCpu), 0) << "rank " << r << ": model state on the host";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(StagesAndWorlds, EngineOnGpu,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(1, 2)));

struct Owned {
  std::int64_t shard = 0;        // owned elements of every layer (stage 0: all of them)
  std::int64_t persistent = 0;   // stage 3: padded elements of the layers kept whole
  std::int64_t offloadable = 0;  // stage 3: shard elements of the other layers
};

Owned owned_elements(int stage, int world) {
  const std::int64_t threshold = 10 * testing::test_model().n_embd;  // stage3_param_persistence_threshold
  Owned o;
  o.shard = testing::zero_state_bytes(stage, world, {0, 0, 0, 1}).optimizer;
  for (const std::int64_t psi : testing::test_model().layer_parameter_counts()) {
    const std::int64_t padded = (psi + world - 1) / world * world;
    (psi < threshold ? o.persistent : o.offloadable) += psi < threshold ? padded : padded / world;
  }
  return o;
}

// Trains (stage, world) on the GPUs without and with offload, checks that both finish and that the
// offloaded run logs the same losses, and returns the offloaded run's records.
std::vector<testing::RankRecord> offloaded_matching_plain(int stage, int world, bool offload_param) {
  testing::WorldConfig config{world, stage, kSteps};
  config.device = "cuda";
  const auto plain = testing::run_world(config);
  config.offload_optimizer = true;
  config.offload_param = offload_param;
  auto offloaded = testing::run_world(config);
  for (std::size_t r = 0; r < offloaded.size(); ++r) {
    EXPECT_EQ(plain[r].error, "") << "rank " << r;
    EXPECT_EQ(offloaded[r].error, "") << "rank " << r;
    expect_close(offloaded[r].losses, plain[r].losses, kSameDeviceTolerance, "offloaded rank " + std::to_string(r));
  }
  return offloaded;
}

class OffloadOnGpu : public EngineOnGpu {};

TEST_P(OffloadOnGpu, OptimizerStatesAndMastersLiveOnTheHostAndTrainingIsUnchanged) {
  const auto [stage, world] = GetParam();
  const Owned o = owned_elements(stage, world);
  const auto records = offloaded_matching_plain(stage, world, false);
  for (std::size_t r = 0; r < records.size(); ++r) {
    const auto& m = records[r].memory_after_first_step;
    EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer, Device::kCuda), 0) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer, Device::kCpu), 8 * o.shard) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kMaster, Device::kCpu), 4 * o.shard) << "rank " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(StagesAndWorlds, OffloadOnGpu,
                         ::testing::Combine(::testing::Values(1, 2, 3), ::testing::Values(1, 2)));

class ParamOffloadOnGpu : public EngineOnGpu {};

TEST_P(ParamOffloadOnGpu, Stage3ShardsLiveOnTheHostAndTrainingIsUnchanged) {
  const auto [stage, world] = GetParam();
  const Owned o = owned_elements(stage, world);
  const auto records = offloaded_matching_plain(stage, world, true);
  for (std::size_t r = 0; r < records.size(); ++r) {
    const auto& m = records[r].memory_after_first_step;
    EXPECT_EQ(m.current_bytes(MemoryKind::kParams, Device::kCpu), 4 * o.offloadable) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kParams, Device::kCuda), 4 * o.persistent) << "rank " << r;
    EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer, Device::kCuda), 0) << "rank " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(Stage3, ParamOffloadOnGpu, ::testing::Combine(::testing::Values(3), ::testing::Values(1, 2)));

// Mixed precision on the GPU: the same rounding kernels as the CPU (kernels/mixed_round), so the GPU
// run tracks the CPU run in the same precision. Rounding to 16 bits turns the fp32 kernels' last-bit
// differences into an occasional one-unit difference of a 16-bit gradient, hence the looser tolerance
// (bf16 tracks fp32 within 4.8e-3 on the CPU: engine_mixed_precision_test).
class MixedOnGpu : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 protected:
  void SetUp() override {
    const auto info = device::query_accelerators();
    if (info.gpus.empty()) GTEST_SKIP() << "no GPU visible: " << info.no_gpu_reason;
  }
};

TEST_P(MixedOnGpu, LossesTrackTheCpuInTheSamePrecisionAndNoModelStateIsOnTheHost) {
  constexpr double kMixedCrossDeviceTolerance = 1e-2;
  const auto [precision, stage] = GetParam();
  testing::WorldConfig config{1, stage, kSteps};
  config.precision = precision;
  const auto cpu = testing::run_world(config);
  config.device = "cuda";
  const auto gpu = testing::run_world(config);
  ASSERT_EQ(cpu[0].error, "");
  ASSERT_EQ(gpu[0].error, "");
  expect_close(gpu[0].losses, cpu[0].losses, kMixedCrossDeviceTolerance, precision + " on the GPU");
  EXPECT_EQ(gpu[0].skipped, cpu[0].skipped) << "the same steps overflow on both devices";
  const auto& m = gpu[0].memory_after_first_step;
  for (const MemoryKind kind : {MemoryKind::kParams, MemoryKind::kGrads, MemoryKind::kOptimizer, MemoryKind::kMaster}) {
    EXPECT_EQ(m.current_bytes(kind, Device::kCpu), 0) << runtime::to_string(kind) << " on the host";
  }
  EXPECT_GT(m.current_bytes(MemoryKind::kMaster, Device::kCuda), 0);
}

INSTANTIATE_TEST_SUITE_P(PrecisionsAndStages, MixedOnGpu,
                         ::testing::Combine(::testing::Values("bf16", "fp16"), ::testing::Values(0, 1, 2, 3)));

// Mixed precision with offload_optimizer: the fp32 master lives only on the host (as DeepSpeed keeps it),
// with the optimizer states; the GPU holds the 16-bit working copies and gradients.
TEST_P(MixedOnGpu, OffloadKeepsTheMasterWeightsOnlyOnTheHost) {
  const auto [precision, stage] = GetParam();
  testing::WorldConfig config{1, stage, kSteps};
  config.precision = precision;
  config.device = "cuda";
  const auto plain = testing::run_world(config);
  config.offload_optimizer = true;
  const auto offloaded = testing::run_world(config);
  ASSERT_EQ(plain[0].error, "");
  ASSERT_EQ(offloaded[0].error, "");
  expect_close(offloaded[0].losses, plain[0].losses, kSameDeviceTolerance, precision + " offloaded");
  const Owned o = owned_elements(stage, 1);
  const auto& m = offloaded[0].memory_after_first_step;
  EXPECT_EQ(m.current_bytes(MemoryKind::kMaster, Device::kCuda), 0);
  EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer, Device::kCuda), 0);
  EXPECT_EQ(m.current_bytes(MemoryKind::kMaster, Device::kCpu), 4 * o.shard);
  EXPECT_EQ(m.current_bytes(MemoryKind::kOptimizer, Device::kCpu), 8 * o.shard);
}

}  // namespace
}  // namespace zl::engine
