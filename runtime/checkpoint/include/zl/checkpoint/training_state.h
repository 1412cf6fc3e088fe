// What a training program tells a checkpoint besides the engine's tensors: the position of the run
// (steps completed; the scheduler and the BatchSampler are functions of the step, and every random
// stream derives from the seeds, so these numbers restore them exactly) and its identity, the settings
// a resume must match for the continuation to be the same run.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"

namespace zl::checkpoint {

struct TrainingPosition {
  std::int64_t step = 0;        // optimizer steps completed (= the index of the next step)
  std::uint64_t init_seed = 0;  // GPT-2 initialization: Rng streams of Gpt2Model::initialize
  std::uint64_t data_seed = 0;  // sample order: sample g is Rng(mix64(data_seed) + g) (batch_sampler.h)
  std::int64_t global_batch = 0;
  int context = 0;       // tokens per training window
  double last_lr = 0.0;  // the learning rate of step `step` - 1 (0 before the first)
  config::SchedulerType scheduler_type = config::SchedulerType::kConstant;
  nlohmann::json identity = nlohmann::json::object();  // run_identity()
};

// The settings that decide the sequence of updates independently of the world size and stage: the
// model's dimensions, the optimizer and its hyperparameters, the scheduler, the global batch, the
// clipping threshold, the data seed, the context and the data's description.
[[nodiscard]] nlohmann::json run_identity(const config::ModelSpec& model, const config::TrainingSettings& training,
                                          std::int64_t global_batch, std::uint64_t data_seed, int context,
                                          const std::string& data);

// Throws zl::ConfigError naming `manifest_path` and listing every setting that differs.
void check_same_run(const nlohmann::json& saved, const nlohmann::json& current, const std::string& manifest_path);

}  // namespace zl::checkpoint
