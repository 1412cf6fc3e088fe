// Resume and periodic saves of the `train` program (checkpointing.h).
#include "checkpointing.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/checkpoint/checkpoint_io.h"
#include "zl/checkpoint/consolidate.h"

namespace zl::train {

Checkpointing::Checkpointing(const TrainSetup& setup, engine::Engine& engine, runtime::Gpt2Model& model,
                             checkpoint::TrainingPosition position, engine::RunTelemetry& telemetry)
    : setup_(setup),
      engine_(engine),
      model_(model),
      position_(std::move(position)),
      telemetry_(telemetry),
      lead_(engine.communicator().rank() == 0) {}

std::int64_t Checkpointing::resume() {
  const auto& f = setup_.flags;
  const std::optional<std::string> path = checkpoint::resolve_resume(f.resume, f.checkpoint_dir);
  if (!path) {
    if (lead_ && f.resume == "auto") {
      std::printf("--resume auto: no checkpoint in %s yet; starting fresh\n", f.checkpoint_dir.c_str());
    }
    return 0;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const checkpoint::Manifest m = checkpoint::load_checkpoint(engine_, model_, *path, position_.identity);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  last_saved_ = m.step;
  if (lead_) {
    std::uint64_t bytes = 0;
    for (const auto& file : m.files) bytes += file.bytes;
    std::printf(
        "resumed from %s: %lld steps done (saved by %d ranks at ZeRO stage %d; now %d ranks at stage %d); "
        "loaded %.1f MB in %.2fs\n",
        path->c_str(), static_cast<long long>(m.step), m.world_size, m.zero_stage, engine_.communicator().size(),
        engine_.stage(), static_cast<double>(bytes) / 1e6, seconds);
    std::fflush(stdout);
  }
  return m.step;
}

void Checkpointing::after_step(std::int64_t completed, double lr) {
  if (setup_.flags.checkpoint_dir.empty() || setup_.flags.save_every <= 0) return;
  if (completed % setup_.flags.save_every == 0) save(completed, lr);
}

void Checkpointing::at_end(std::int64_t completed, double lr) {
  if (setup_.flags.checkpoint_dir.empty() || completed == last_saved_) return;
  save(completed, lr);
}

void Checkpointing::save(std::int64_t completed, double lr) {
  position_.step = completed;
  position_.last_lr = lr;
  const auto t0 = std::chrono::steady_clock::now();
  const checkpoint::SaveResult r = checkpoint::save_checkpoint(
      engine_, model_, position_, checkpoint::SaveOptions{setup_.flags.checkpoint_dir, setup_.flags.keep_last});
  last_saved_ = completed;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (lead_) {
    std::printf("checkpoint %s: %.1f MB in %.2fs\n", r.path.c_str(), static_cast<double>(r.total_bytes) / 1e6, seconds);
    std::fflush(stdout);
  }
  const config::ZeroSettings& zero = setup_.config.training.zero_optimization;
  if (lead_ && zero.stage == 3 && zero.stage3_gather_16bit_weights_on_model_save) save_whole_model(r.path);
  // The whole save, the 16-bit model included: the time this rank spent checkpointing.
  telemetry_.record_checkpoint(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// DeepSpeed's stage3_gather_16bit_weights_on_model_save: next to the shards, the whole model in the
// working dtype (16-bit under mixed precision, as DeepSpeed's save_16bit_model writes the module's
// dtype), in Hugging Face layout. Written by rank 0 from the shards just saved, atomically.
void Checkpointing::save_whole_model(const std::string& step_dir) const {
  const std::string folder = step_dir + "/" + kWholeModelDir;
  std::filesystem::create_directories(folder);
  const std::string out = folder + "/model.safetensors";
  const checkpoint::ConsolidateResult c = checkpoint::consolidate_checkpoint(step_dir, out, engine_.working_dtype());
  std::printf("whole model (stage3_gather_16bit_weights_on_model_save) %s: %.1f MB, %s\n", c.safetensors_path.c_str(),
              static_cast<double>(c.bytes) / 1e6, runtime::to_string(engine_.working_dtype()));
  std::fflush(stdout);
}

}  // namespace zl::train
