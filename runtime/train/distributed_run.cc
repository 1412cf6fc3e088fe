// Data-parallel training under the launcher (distributed_run.h).
#include "distributed_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "checkpointing.h"
#include "device_choice.h"
#include "hang_watch.h"
#include "progress.h"
#include "step_log.h"
#include "zl/base/build_info.h"
#include "zl/base/error.h"
#include "zl/comm/bootstrap.h"
#include "zl/engine/engine.h"
#include "zl/engine/run_telemetry.h"
#include "zl/kernels/blas_threads.h"
#include "zl/launcher/rank_identity.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/compute_device.h"
#include "zl/runtime/gpt2_checkpoint.h"
#include "zl/runtime/lr_schedule.h"

namespace zl::train {
namespace {

using Clock = std::chrono::steady_clock;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::string(v);
}

// A loss scale as an integer when it is one (powers of two), as DeepSpeed prints it.
std::string format_scale(double scale) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", scale);
  return text;
}

}  // namespace

int run_distributed(const TrainSetup& s) {
  kernels::set_blas_threads(s.threads);
  const runtime::Device device = require_supported_device(s.config.launch.device, true);
  const bool mpi = s.config.launch.launcher == config::LauncherKind::kMpi;
  if (device == runtime::Device::kCuda && mpi) {
    throw UnavailableError("device: cuda with launcher: mpi: the engine reduces GPU buffers with NCCL, which zlaunch "
                           "bootstraps through its own store; use launcher: local (or slurm) for GPU training");
  }
  // Before anything touches the GPU: this thread's device and compute stream (the NCCL backend's
  // communication stream waits for it through events).
  const runtime::ComputeDevice compute(device, device == runtime::Device::kCuda ? launcher::local_device_from_env() : 0);
  const auto t_rendezvous = Clock::now();
  const comm::BackendKind backend = device == runtime::Device::kCuda ? comm::BackendKind::kNccl
                                    : mpi                             ? comm::BackendKind::kMpi
                                                                      : comm::BackendKind::kGloo;
  auto comm = comm::make_communicator_from_environment(backend, std::chrono::seconds(120));
  const double rendezvous_s = std::chrono::duration<double>(Clock::now() - t_rendezvous).count();
  const bool lead = comm->rank() == 0;
  const config::TrainingSettings& t = s.config.training;

  runtime::Gpt2Model model(s.model, runtime::default_allocator(), device);
  engine::Engine engine(model, *comm, t);
  const bool fp16 = engine.working_dtype() == runtime::DType::kF16;
  if (!s.flags.init_from.empty()) {
    engine.load_parameters(
        [&](runtime::ParameterStorage& storage) { runtime::load_gpt2_safetensors(model, storage, s.flags.init_from); });
  } else {
    engine.initialize(s.seed);
  }

  const runtime::AdditionTask task(2, s.task);
  const bool builtin = s.flags.data.empty();
  int T = s.model.block_size;
  if (builtin) T = std::min(T, task.window());
  if (s.flags.context) T = *s.flags.context;
  const runtime::TokenDataset data =
      builtin ? task.dataset(1 << 20)
              : runtime::split_train_validation(runtime::load_token_file(s.flags.data, "--data"), T, 0.1, "--data");
  if (data.train.vocab_size > s.model.vocab_size) {
    throw ConfigError("--data has tokens up to " + std::to_string(data.train.vocab_size - 1) + " but --model " +
                      s.flags.model + " has a vocabulary of " + std::to_string(s.model.vocab_size));
  }
  const runtime::BatchSampler sampler(data.train, T, t.train_micro_batch_size_per_gpu, t.gradient_accumulation_steps,
                                      comm->size(), s.seed);
  const runtime::LrSchedule schedule(t.scheduler, t.optimizer.lr);
  checkpoint::TrainingPosition position;
  position.init_seed = s.seed;
  position.data_seed = s.seed;
  position.global_batch = sampler.global_batch();
  position.context = T;
  position.scheduler_type = t.scheduler.type;
  position.identity = checkpoint::run_identity(s.model, t, sampler.global_batch(), s.seed, T, data.train.description);
  Checkpointing checkpoints(s, engine, model, position);
  const std::int64_t first_step = checkpoints.resume();

  engine::TelemetryOptions telemetry_options;
  const auto& metrics = s.config.launch.metrics;
  const int local_rank = std::atoi(env_or("LOCAL_RANK", "0").c_str());
  telemetry_options.metrics_enabled = metrics.enabled;
  telemetry_options.metrics_bind = metrics.bind;
  telemetry_options.metrics_port = metrics.port == 0 ? 0 : metrics.port + local_rank;
  telemetry_options.device = runtime::to_string(device);
  telemetry_options.pushgateway = metrics.pushgateway;  // "" = the launcher's ZLAUNCH_METRICS_PUSHGATEWAY, if any
  const std::string run_id = env_or("ZLAUNCH_RUN_ID", "");
  if (!run_id.empty()) telemetry_options.run_dir = s.config.launch.log_dir + "/" + run_id;
  telemetry_options.run_info = {build_info::kVersion,
                                engine.stage(),
                                comm->size(),
                                comm::to_string(backend),
                                config::to_string(s.config.launch.mixed_precision),
                                runtime::to_string(device),
                                s.model.name == "custom" ? s.model.dimensions() : s.model.name};
  // Metrics are an observer of the run: when /metrics cannot be served, say so and train without it (the
  // step log is still written) rather than lose the run.
  std::unique_ptr<engine::RunTelemetry> telemetry;
  try {
    telemetry = std::make_unique<engine::RunTelemetry>(telemetry_options, *comm, runtime::default_allocator());
  } catch (const InfrastructureError& e) {
    std::fprintf(stderr, "train: warning: %s; training continues without /metrics\n", e.what());
    telemetry_options.metrics_enabled = false;
    telemetry = std::make_unique<engine::RunTelemetry>(telemetry_options, *comm, runtime::default_allocator());
  }
  telemetry->record_rendezvous(rendezvous_s);

  if (lead) {
    std::printf("model %s (%s): %lld parameters; data: %s\n", s.model.name.c_str(), s.model.dimensions().c_str(),
                static_cast<long long>(s.model.parameter_count()), data.train.description.c_str());
    std::printf(
        "ZeRO stage %d data parallelism over %d ranks (%s): global batch %d x %d tokens (micro-batch %d, "
        "accumulation %d)\n",
        engine.stage(), comm->size(), comm::to_string(backend), sampler.global_batch(), T,
        t.train_micro_batch_size_per_gpu, t.gradient_accumulation_steps);
    if (fp16) {
      const auto& scaler = engine.loss_scaler();
      std::printf("precision: fp16 working parameters and gradients, fp32 master weights and optimizer states; "
                  "%s loss scale %.10g (min %.10g)\n",
                  engine::to_string(scaler.kind()), scaler.scale(), scaler.min_scale());
    } else if (engine.working_dtype() == runtime::DType::kBF16) {
      std::printf("precision: bf16 working parameters and gradients, fp32 master weights and optimizer states\n");
    }
    std::fflush(stdout);
  }
  StepLog log(lead ? s.flags.log_json : std::string(), 0, 1);
  Progress progress(s.steps, t.steps_per_print, "");
  const std::int64_t rank_tokens =
      static_cast<std::int64_t>(t.train_micro_batch_size_per_gpu) * t.gradient_accumulation_steps * T;
  const auto start = Clock::now();
  std::int64_t tokens = 0;
  double last_loss = 0;
  double lr = first_step > engine.skipped_steps() ? schedule.lr(first_step - 1 - engine.skipped_steps()) : 0.0;
  HangWatch hang_watch(*comm);
  for (std::int64_t step = first_step; step < s.steps; ++step) {
    hang_watch.set_step(step + 1);
    const auto t0 = Clock::now();
    // As DeepSpeed: a skipped (overflowing) step does not advance the learning-rate scheduler.
    lr = schedule.lr(step - engine.skipped_steps());
    const engine::StepResult r = engine.train_step(sampler, step, lr);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    telemetry->record_step(step + 1, r, lr, seconds, rank_tokens,
                           static_cast<std::int64_t>(t.train_micro_batch_size_per_gpu) * t.gradient_accumulation_steps);
    tokens += r.tokens;
    last_loss = r.loss;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (lead) {
      log.write({{"step", step + 1},
                 {"loss", r.loss},
                 {"lr", lr},
                 {"grad_norm", r.grad_norm},
                 {"tokens", tokens},
                 {"seconds", seconds},
                 {"world_size", comm->size()},
                 {"zero_stage", engine.stage()},
                 {"skipped", r.skipped},
                 {"loss_scale", r.loss_scale}});
      const std::string scaling = fp16 ? " loss_scale " + format_scale(r.loss_scale) + " skipped " +
                                             std::to_string(engine.skipped_steps())
                                       : std::string();
      progress.update(step + 1, r.loss, lr, r.grad_norm, static_cast<double>(tokens) / elapsed, elapsed, scaling);
    }
    checkpoints.after_step(step + 1, lr);
  }
  if (lead) progress.finish();
  checkpoints.at_end(std::max(s.steps, first_step), lr);

  // Validation and the task score run on every rank (the storage's gathers are collective).
  runtime::BatchSampler validation(data.validation, T, t.train_micro_batch_size_per_gpu, 1, 1, 0);
  double sum = 0;
  std::int64_t count = 0;
  for (int i = 0; i < s.flags.eval_batches; ++i) {
    const runtime::MicroBatch mb = validation.micro_batch(i, 0, 0);
    sum += model.forward(engine.storage(), mb.tokens.data(), mb.targets.data(), mb.B, mb.T);
    count += static_cast<std::int64_t>(mb.B) * mb.T;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (lead) {
    std::printf(
        "done: %lld steps, %lld tokens in %.1fs (%.0f tok/s over %d ranks); last training loss %.4f; "
        "validation loss %.4f\n",
        static_cast<long long>(s.steps), static_cast<long long>(tokens), elapsed,
        elapsed > 0 ? static_cast<double>(tokens) / elapsed : 0.0, comm->size(), last_loss,
        sum / static_cast<double>(count));
  }
  if (builtin) {
    const auto score = runtime::score_task(model, engine.storage(), task.evaluation_problems(200));
    if (lead) {
      std::printf(
          "task: exact-match accuracy %.1f%% (%d/%d held-out problems of '%s' on 2-digit operands, greedy "
          "decoding)\n",
          100.0 * score.accuracy(), score.correct, score.total, runtime::to_string(task.skill()));
    }
  }
  std::fflush(stdout);
  comm->barrier();
  return 0;
}

}  // namespace zl::train
