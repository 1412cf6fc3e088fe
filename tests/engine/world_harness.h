// Test harness for the engine: a world of W ranks as threads of this process, each with its own
// accounting Allocator, model and Communicator (shm, the CPU default on one machine, met through an
// in-memory store; NCCL with device "cuda", rank r on GPU r), training the tiny GPT-2 on the built-in
// addition task with a fixed global batch. run_world returns each rank's record.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zl/comm/communicator.h"
#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"
#include "zl/runtime/allocator.h"

namespace zl::engine::testing {

struct RankRecord {
  std::vector<double> losses;
  std::vector<double> grad_norms;
  std::vector<std::vector<float>> final_parameters;  // per layer, gathered
  runtime::MemoryStats memory_after_first_step;
  runtime::MemoryStats memory_after_last_step;   // peaks over initialization and every step, before gathering
  std::vector<comm::CommStats> comm_after_step;  // cumulative, after each step
  std::vector<bool> skipped;                     // mixed precision: step skipped
  std::vector<double> loss_scales;               // the loss scale each step used
  std::string error;                             // "" when the rank finished
};

struct WorldConfig {
  int world_size = 1;
  int stage = 0;
  int steps = 20;
  int global_batch = 12;  // sequences per optimizer step (divisible by 1-4 ranks)
  int accumulation = 1;   // micro-batch = global_batch / (accumulation * world_size)
  bool overlap_comm = false;
  // Mixed precision: "fp32" | "bf16" | "fp16", and the settings of DeepSpeed's fp16 block.
  std::string precision = "fp32";
  config::CommDataType communication_data_type = config::CommDataType::kWorking;
  int initial_scale_power = 16;
  int hysteresis = 2;
  double min_loss_scale = 1.0;
  double lr = 3e-3;
  std::string device = "cpu";      // "cpu" | "cuda" (needs world_size GPUs)
  bool offload_optimizer = false;  // zero_optimization.offload_optimizer.device: cpu
  bool offload_param = false;      // zero_optimization.offload_param.device: cpu
  // zero_optimization bucket sizes in elements; 0 keeps the harness's: reduce "auto" (h^2), all-gather
  // DeepSpeed's default (5e8, more than the model).
  std::int64_t reduce_bucket_size = 0;
  std::int64_t allgather_bucket_size = 0;
};

// The tiny model of these tests and the training settings derived from a WorldConfig ("auto" bucket
// sizes from the hidden size h: reduce bucket h^2, prefetch 0.9 h^2, persistence 10 h; a WorldConfig
// may set the reduce and all-gather bucket sizes).
config::ModelSpec test_model();
config::TrainingSettings test_training(const WorldConfig& world);

std::vector<RankRecord> run_world(const WorldConfig& world);

}  // namespace zl::engine::testing
