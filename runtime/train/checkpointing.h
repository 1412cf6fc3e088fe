// Checkpoints in the `train` program (--checkpoint_dir, --save_every, --keep_last, --resume;
// docs/checkpoints.md): resuming before the first step and saving at step boundaries, through
// zl/checkpoint. Collective: every rank makes the same calls. Every save's wall time goes to the run's
// telemetry (zlaunch_checkpoint_duration_seconds).
#pragma once

#include <cstdint>
#include <string>

#include "train_options.h"
#include "zl/checkpoint/training_state.h"
#include "zl/engine/engine.h"
#include "zl/engine/run_telemetry.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::train {

class Checkpointing {
 public:
  // With stage3_gather_16bit_weights_on_model_save at stage 3, every save also writes the whole model
  // (Hugging Face safetensors + config.json) into <step dir>/<kWholeModelDir>/.
  static constexpr const char* kWholeModelDir = "hf_model";

  // `position` carries the run's seeds, batch, context, scheduler type and identity; its step and
  // last_lr are filled in at each save. `telemetry` must outlive this object.
  Checkpointing(const TrainSetup& setup, engine::Engine& engine, runtime::Gpt2Model& model,
                checkpoint::TrainingPosition position, engine::RunTelemetry& telemetry);

  // Applies --resume: returns the number of steps already done (0 when starting fresh), saying what it
  // did on rank 0.
  std::int64_t resume();
  // After `completed` optimizer steps whose last used learning rate `lr`: saves when --save_every says so.
  void after_step(std::int64_t completed, double lr);
  // At the end of training: saves the final state unless that step was just saved.
  void at_end(std::int64_t completed, double lr);

 private:
  void save(std::int64_t completed, double lr);
  void save_whole_model(const std::string& step_dir) const;

  const TrainSetup& setup_;
  engine::Engine& engine_;
  runtime::Gpt2Model& model_;
  checkpoint::TrainingPosition position_;
  engine::RunTelemetry& telemetry_;
  std::int64_t last_saved_ = -1;
  bool lead_;
};

}  // namespace zl::train
