// ZeRO memory formulas: the paper's Table 1 (7.5B parameters, K = 12, N = 4), fp32 bytes, per-layer
// padding, offload, the buffers' peak as the engine reaches it, the note when a higher stage costs more
// than a lower one, and memory_estimate.json. (The estimate against the allocator's measured peaks:
// tests/engine/memory_estimate_vs_allocator_test.cc.)
#include "zl/config/memory_estimate.h"

#include <gtest/gtest.h>

#include <fstream>

#include "zl/base/error.h"
#include "zl/config/model_spec.h"

namespace zl::config {
namespace {

MemoryEstimateRequest table1(int stage) {
  MemoryEstimateRequest r;
  r.layer_parameters = {7500000000LL};
  r.world_size = 4;
  r.zero.stage = stage;
  r.precision = Precision::kFp16;
  return r;
}

TEST(MemoryEstimate, ReproducesZeroPaperTableOne) {
  // ZeRO paper Table 1, Psi = 7.5B, K = 12, N = 4: 120 / 52.5 / 41.25 / 30 GB (decimal).
  const std::int64_t expected[4] = {120000000000LL, 52500000000LL, 41250000000LL, 30000000000LL};
  for (int stage = 0; stage < 4; ++stage) {
    EXPECT_EQ(estimate_memory(table1(stage)).model_state_bytes(), expected[stage]) << "stage " << stage;
  }
  EXPECT_EQ(format_bytes(expected[2]), "41.25 GB");
  const MemoryEstimate s2 = estimate_memory(table1(2));
  EXPECT_EQ(s2.params_bytes, 15000000000LL);     // 2 Psi
  EXPECT_EQ(s2.grads_bytes, 3750000000LL);       // 2 Psi / 4
  EXPECT_EQ(s2.optimizer_bytes, 15000000000LL);  // 8 Psi / 4
  EXPECT_EQ(s2.master_bytes, 7500000000LL);      // 4 Psi / 4
}

TEST(MemoryEstimate, Fp32UsesFourFourEightBytes) {
  MemoryEstimateRequest r;
  r.layer_parameters = {1000};
  r.world_size = 2;
  r.zero.stage = 0;
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 16000);
  r.zero.stage = 1;
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 4000 + 4000 + 4000);
  r.zero.stage = 3;
  // A layer below stage3_param_persistence_threshold (DeepSpeed's default 1e5) stays whole at stage 3;
  // the engine stores it as parameters, so it counts there (4000 bytes, 2000 of them beyond the shard).
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 4000 + 2000 + 4000);
  EXPECT_EQ(estimate_memory(r).persistent_params_bytes, 2000);
  r.zero.stage3_param_persistence_threshold = 0;  // the paper's 4 + 4 + 8 bytes over 2 ranks
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 8000);
  EXPECT_EQ(estimate_memory(r).master_bytes, 0);
}

TEST(MemoryEstimate, StageZeroKeepsLayersUnpaddedAndSgdOneState) {
  // Stage 0 holds every layer whole and unpadded (Stage0Storage); the padding starts at stage 1.
  MemoryEstimateRequest r;
  r.layer_parameters = {1001, 10};
  r.world_size = 4;
  EXPECT_EQ(estimate_memory(r).model_state_bytes(), 1011 * 16);
  r.zero.stage = 1;
  EXPECT_EQ(estimate_memory(r).params_bytes, (1004 + 12) * 4);
  EXPECT_EQ(estimate_memory(r).optimizer_bytes, (251 + 3) * 8);
  r.optimizer = OptimizerType::kSgd;  // one momentum buffer
  EXPECT_EQ(estimate_memory(r).optimizer_bytes, (251 + 3) * 4);
}

TEST(MemoryEstimate, EachLayerIsPaddedToAMultipleOfTheWorldSize) {
  const ModelSpec tiny = parse_model_spec("tiny", "test");
  MemoryEstimateRequest r;
  r.layer_parameters = tiny.layer_parameter_counts();
  r.world_size = 3;
  r.zero.stage = 3;
  r.zero.stage3_param_persistence_threshold = 0;
  std::int64_t padded = 0;
  for (const auto n : r.layer_parameters) padded += (n + 2) / 3 * 3;
  const MemoryEstimate e = estimate_memory(r);
  EXPECT_EQ(e.parameters, tiny.parameter_count());
  EXPECT_EQ(e.padded_parameters, padded);
  EXPECT_GT(padded, tiny.parameter_count());
  EXPECT_EQ(e.params_bytes, padded / 3 * 4);
  EXPECT_EQ(e.model_state_bytes(), padded / 3 * 16);
}

TEST(MemoryEstimate, OffloadMovesStatesToHostMemory) {
  MemoryEstimateRequest r = table1(3);
  r.zero.offload_optimizer.device = OffloadDevice::kCpu;
  r.zero.offload_param.device = OffloadDevice::kCpu;
  const MemoryEstimate e = estimate_memory(r);
  EXPECT_EQ(e.optimizer_bytes + e.master_bytes + e.params_bytes, 0);
  EXPECT_EQ(e.grads_bytes, 3750000000LL);
  EXPECT_EQ(e.offloaded_bytes, 22500000000LL + 3750000000LL);
  r.zero.stage = 2;
  EXPECT_THROW(estimate_memory(r), ConfigError);  // offload_param below stage 3
}

TEST(MemoryEstimate, BuffersAreThePeakOfTheEngineAndARegressionIsExplained) {
  // One layer of 1e6 fp32 parameters over 4 ranks, 4 MB whole; the buckets (5e8) hold all of it. The
  // buffers are what the engine holds at once (buffer_replay.h), not a bucket count: stage 1 one 4 MB
  // bucket at a time; stage 2 the full gradient (4 MB) while its bucket (4 MB) is filled; stage 3 the
  // gathered layer (4 MB) while backward writes the full gradient (4 MB). Stage 2 is then the one that
  // costs more than the stage below it: it saves 3 MB of model states and adds 4 MB of buffers.
  MemoryEstimateRequest r;
  r.layer_parameters = {1000000};
  r.world_size = 4;
  std::vector<MemoryEstimate> by_stage;
  for (int stage = 0; stage < 4; ++stage) {
    r.zero.stage = stage;
    r.zero.overlap_comm = stage == 3;
    by_stage.push_back(estimate_memory(r));
  }
  EXPECT_EQ(by_stage[0].buffer_bytes(), 0);  // fp32 stage 0 all-reduces the gradients in place
  EXPECT_EQ(by_stage[1].buffer_bytes(), 4000000);
  EXPECT_EQ(by_stage[2].reduce_bucket_bytes, 4000000);
  EXPECT_EQ(by_stage[2].gradient_buffer_bytes, 4000000);
  EXPECT_EQ(by_stage[3].prefetch_bucket_bytes, 4000000);
  EXPECT_EQ(by_stage[3].gradient_buffer_bytes, 4000000);
  EXPECT_EQ(by_stage[3].buffer_bytes(), 8000000);
  EXPECT_EQ(by_stage[3].buffer_peak_at, "step 1, backward, head");
  const auto notes = memory_regressions(by_stage);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("stage 2 needs MORE memory per rank than stage 1"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("full gradients"), std::string::npos) << notes[0];
}

TEST(MemoryEstimate, StageThreePrefetchesTheNextLayerAlongTheTrace) {
  // Layers of 400 / 800 / 800 / 800 fp32 parameters over 2 ranks, nothing persistent, a prefetch budget
  // of 100 elements (one layer ahead), reduce buckets of one 800-element layer, no overlap. From step 2
  // on (the first records the order of use), the backward of layer 3 holds the embedding (kept whole for
  // its second use at the end of the pass), layer 3 (the model holds it until its iteration ends) and
  // the prefetched layer 2 (400 + 2 x 800 elements gathered), the full gradients of layer 0 (written
  // first, by the tied head) and of layer 3, and layer 3's bucket, allocated before that gradient is
  // dropped.
  MemoryEstimateRequest r;
  r.layer_parameters = {400, 800, 800, 800};
  r.world_size = 2;
  r.zero.stage = 3;
  r.zero.reduce_bucket_size = 800;
  r.zero.stage3_param_persistence_threshold = 0;
  r.zero.stage3_prefetch_bucket_size = 100;
  const MemoryEstimate e = estimate_memory(r);
  EXPECT_EQ(e.prefetch_bucket_bytes, (400 + 2 * 800) * 4);
  EXPECT_EQ(e.gradient_buffer_bytes, (400 + 800) * 4);
  EXPECT_EQ(e.reduce_bucket_bytes, 800 * 4);
  EXPECT_EQ(e.buffer_bytes(), (400 + 2 * 800 + 400 + 800 + 800) * 4);
  EXPECT_EQ(e.buffer_peak_at, "step 2, backward, layer 3");
}

TEST(MemoryEstimate, WritesTheReportFileForAResolvedConfig) {
  ResolvedConfig c;
  c.launch.model = "tiny";
  c.launch.num_processes = 2;
  c.launch.device = DeviceKind::kCpu;
  c.training.bf16_enabled = true;
  c.training.train_micro_batch_size_per_gpu = 3;
  c.training.zero_optimization.stage = 2;
  const std::string path = ::testing::TempDir() + "memory_estimate.json";
  write_memory_estimate(c, path);
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in);
  const MemoryEstimate e = estimate_memory(memory_estimate_request(c));
  EXPECT_EQ(j["model"], "tiny");
  EXPECT_EQ(j["parameters"], parse_model_spec("tiny", "test").parameter_count());
  EXPECT_EQ(j["zero_stage"], 2);
  EXPECT_EQ(j["world_size"], 2);
  EXPECT_EQ(j["precision"], "bf16");
  const nlohmann::json& b = j["per_rank_bytes"];
  EXPECT_EQ(b["params"], e.params_bytes);
  EXPECT_EQ(b["grads"], e.grads_bytes);
  EXPECT_EQ(b["optimizer"], e.optimizer_bytes);
  EXPECT_EQ(b["master"], e.master_bytes);
  EXPECT_EQ(b["activations"], e.activation_bytes);
  EXPECT_EQ(b["buffers"], e.buffer_bytes());
  EXPECT_EQ(b["total"], e.model_state_bytes() + e.activation_bytes + e.buffer_bytes());
  EXPECT_GT(e.activation_bytes, 0);
  EXPECT_GT(e.buffer_bytes(), 0);
  EXPECT_EQ(j["exact"], nlohmann::json({"params", "grads", "optimizer", "master", "buffers", "activations"}));
  ASSERT_TRUE(j["leaves_out"].is_array());
  EXPECT_FALSE(j["leaves_out"].empty());
}

}  // namespace
}  // namespace zl::config
