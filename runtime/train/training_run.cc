// The one training path of `train` (training_run.h).
#include "training_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "batch_dump.h"
#include "checkpointing.h"
#include "device_choice.h"
#include "evaluation.h"
#include "hang_watch.h"
#include "memory_check.h"
#include "progress.h"
#include "zl/base/build_info.h"
#include "zl/base/error.h"
#include "zl/comm/bootstrap.h"
#include "zl/config/memory_estimate.h"
#include "zl/engine/engine.h"
#include "zl/engine/run_telemetry.h"
#include "zl/kernels/blas_threads.h"
#include "zl/metrics/endpoint.h"
#include "zl/rank/metrics_address.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/compute_device.h"
#include "zl/runtime/gpt2_checkpoint.h"
#include "zl/runtime/lr_schedule.h"

namespace zl::train {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTaskDigits = 2;
constexpr std::size_t kTaskTrainBytes = 1 << 20;
constexpr std::size_t kTaskEvalProblems = 200;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A loss scale as an integer when it is one (powers of two), as DeepSpeed prints it.
std::string format_scale(double scale) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", scale);
  return text;
}

// --log_json FILE of rank `rank`: FILE for rank 0, FILE.rank<R> for the others ("" = none).
std::string log_json_path(const std::string& file, int rank) {
  if (file.empty() || rank == 0) return file;
  return file + ".rank" + std::to_string(rank);
}

// <log_dir>/<run_id> under zlaunch run, "" otherwise.
std::string run_directory(const TrainSetup& s) {
  return s.rank.run_id.empty() ? std::string() : s.config.launch.log_dir + "/" + s.rank.run_id;
}

// zlaunch run wrote the memory estimate for the config's model at its block size; rank 0 replaces it
// with the estimate for what is really trained: train's --model (or --init_from) may name another
// model, and the built-in task or --context shorter sequences. So the report never holds one model's
// measurements against another's estimate.
void write_trained_memory_estimate(const TrainSetup& s, int context) {
  const std::string dir = run_directory(s);
  if (dir.empty() || (s.config_model == s.model.label() && context == s.model.block_size)) return;
  config::ResolvedConfig trained = s.config;
  trained.launch.model = s.model.label();
  try {
    config::write_memory_estimate(trained, dir + "/memory_estimate.json", context);
  } catch (const Error& e) {
    std::fprintf(stderr, "train: note: memory_estimate.json not replaced: %s\n", e.what());
  }
}

// --comm_backend, or auto's choice: NCCL on the GPU; on the CPU shm when the ranks share this machine,
// else MPI under mpirun, else gloo (comm::automatic_backend).
comm::BackendKind backend_for(runtime::Device device, const TrainSetup& s) {
  const bool cuda = device == runtime::Device::kCuda;
  const bool under_mpirun = s.rank.identity.source == "openmpi";
  if (s.flags.comm_backend != "auto") {
    const comm::BackendKind kind = comm::choose_backend(s.flags.comm_backend, cuda, "--comm_backend");
    if (cuda != (kind == comm::BackendKind::kNccl)) {
      throw UsageError("--comm_backend " + s.flags.comm_backend + " with device: " + (cuda ? "cuda" : "cpu") +
                       ": the engine reduces GPU buffers with nccl and host buffers with shm, gloo or mpi");
    }
    return kind;
  }
  if (cuda && (s.config.launch.launcher == config::LauncherKind::kMpi || under_mpirun)) {
    throw UnavailableError(
        "device: cuda with launcher: mpi: the engine reduces GPU buffers with NCCL, which zlaunch "
        "bootstraps through its own store; use launcher: local (or slurm) for GPU training");
  }
  return comm::automatic_backend(s.rank, cuda, under_mpirun);
}

// The data of the run: the built-in task, or --data split into training and validation (--eval_only
// keeps the whole file as its validation stream).
struct RunData {
  runtime::TokenDataset data;
  bool builtin = false;
  int T = 0;  // tokens per window
};

// Tokens per training window: the model's context, the built-in task's window of two problems when
// shorter, or --context.
int sequence_length(const TrainSetup& s, const runtime::AdditionTask& task) {
  if (s.flags.context) return *s.flags.context;
  return s.flags.data.empty() ? std::min(s.model.block_size, task.window()) : s.model.block_size;
}

RunData load_data(const TrainSetup& s, const runtime::AdditionTask& task) {
  RunData d;
  d.builtin = s.flags.data.empty();
  d.T = sequence_length(s, task);
  if (d.builtin) {
    d.data = task.dataset(kTaskTrainBytes);
  } else if (s.flags.eval_only) {
    d.data.validation = runtime::load_token_file(s.flags.data, "--data");
    d.data.train.vocab_size = d.data.validation.vocab_size;
    d.data.train.description = d.data.validation.description;
  } else {
    d.data = runtime::split_train_validation(runtime::load_token_file(s.flags.data, "--data"), d.T, 0.1, "--data");
  }
  const int vocab = std::max(d.data.train.vocab_size, d.data.validation.vocab_size);
  if (vocab > s.model.vocab_size) {
    throw ConfigError("--data " + (d.builtin ? std::string("(built-in task)") : s.flags.data) + " has tokens up to " +
                      std::to_string(vocab - 1) + " but the model (" + s.model.dimensions() + ", from " +
                      s.model_source + ") has a vocabulary of " + std::to_string(s.model.vocab_size) +
                      "; choose a model with vocab >= " + std::to_string(vocab));
  }
  return d;
}

void print_header(const TrainSetup& s, const engine::Engine& engine, const comm::Communicator& comm,
                  comm::BackendKind backend, const RunData& d) {
  const auto& t = s.config.training;
  std::printf("model %s (%s = layers,heads,width,context,vocab; from %s): %lld parameters\n", s.model.name.c_str(),
              s.model.dimensions().c_str(), s.model_source.c_str(), static_cast<long long>(s.model.parameter_count()));
  if (s.config_model != s.model.label()) {
    std::printf("NOTE: %s overrides the config's model (launch.model: %s); \"auto\" values are sized for %s\n",
                s.model_source.c_str(), s.config_model.c_str(), s.model.label().c_str());
  }
  std::printf("data: %s; validation %zu tokens\n", d.data.train.description.c_str(), d.data.validation.tokens.size());
  std::printf("config: %s; %s lr %.3g, scheduler %s, clipping %.3g, seed %llu, %d thread(s)\n", s.config_origin.c_str(),
              config::to_string(t.optimizer.type), t.optimizer.lr,
              t.scheduler.type == config::SchedulerType::kConstant ? "constant" : config::to_string(t.scheduler.type),
              t.gradient_clipping, static_cast<unsigned long long>(s.seed), s.threads);
  std::printf(
      "ZeRO stage %d data parallelism over %d rank%s (%s): global batch %d x %d tokens (micro-batch %d, "
      "accumulation %d); reduce buckets of %lld elements\n",
      engine.stage(), comm.size(), comm.size() == 1 ? "" : "s", comm::to_string(backend),
      t.train_micro_batch_size_per_gpu * t.gradient_accumulation_steps * comm.size(), d.T,
      t.train_micro_batch_size_per_gpu, t.gradient_accumulation_steps,
      static_cast<long long>(t.zero_optimization.reduce_bucket_size));
  if (engine.working_dtype() == runtime::DType::kF16) {
    const auto& scaler = engine.loss_scaler();
    std::printf(
        "precision: fp16 working parameters and gradients, fp32 master weights and optimizer states; "
        "%s loss scale %.10g (min %.10g)\n",
        engine::to_string(scaler.kind()), scaler.scale(), scaler.min_scale());
  } else if (engine.working_dtype() == runtime::DType::kBF16) {
    std::printf("precision: bf16 working parameters and gradients, fp32 master weights and optimizer states\n");
  }
  std::fflush(stdout);
}

// The end of a run (and all of --eval_only): validation, the task score, the sample. Collective.
void report_results(const TrainSetup& s, runtime::Gpt2Model& model, engine::Engine& engine,
                    const runtime::AdditionTask& task, const RunData& d, bool lead) {
  runtime::ParameterStorage& storage = engine.storage();
  if (s.flags.eval_only) {
    const StreamLoss whole =
        whole_stream_loss(model, storage, d.data.validation, d.T, s.config.training.train_micro_batch_size_per_gpu,
                          d.builtin ? "the built-in task's validation set" : "--data " + s.flags.data);
    if (lead) {
      std::printf("validation loss %.6f (%lld tokens in %lld consecutive windows of up to %d)\n", whole.loss,
                  static_cast<long long>(whole.tokens), static_cast<long long>(whole.windows), d.T);
    }
  }
  if (d.builtin) {
    const auto score = runtime::score_task(model, storage, task.evaluation_problems(kTaskEvalProblems));
    if (lead) {
      std::printf(
          "task: exact-match accuracy %.1f%% (%d/%d held-out problems of '%s' on %d-digit operands, greedy "
          "decoding)\n",
          100.0 * score.accuracy(), score.correct, score.total, runtime::to_string(task.skill()), task.digits());
    }
  }
  if (s.flags.sample > 0) {
    const std::string text = sample_text(model, storage, s.flags.sample, s.seed);
    if (lead) std::printf("sample (temperature 0.8):\n%s\n", text.c_str());
  }
  std::fflush(stdout);
}

std::unique_ptr<engine::RunTelemetry> start_telemetry(const TrainSetup& s, const engine::Engine& engine,
                                                      const comm::Communicator& comm, comm::BackendKind backend,
                                                      runtime::Device device) {
  engine::TelemetryOptions options;
  const auto& metrics = s.config.launch.metrics;
  options.metrics_enabled = metrics.enabled;
  options.metrics_bind = metrics.bind;
  // metrics.port + LOCAL_RANK; the endpoint takes any free port when that one is busy (or past 65535).
  const int wanted = metrics.port == 0 ? 0 : metrics.port + s.rank.identity.local_rank;
  options.metrics_port = wanted > 65535 ? 0 : wanted;
  options.device = runtime::to_string(device);
  options.pushgateway = metrics.pushgateway;  // "" = the launcher's ZLAUNCH_METRICS_PUSHGATEWAY, if any
  options.run_dir = run_directory(s);
  options.log_json = log_json_path(s.flags.log_json, comm.rank());
  options.attempt = s.rank.attempt;
  options.run_info = {build_info::kVersion,
                      engine.stage(),
                      comm.size(),
                      comm::to_string(backend),
                      config::to_string(s.config.launch.mixed_precision),
                      runtime::to_string(device),
                      s.model.name == "custom" ? s.model.dimensions() : s.model.name,
                      s.rank.run_id,
                      comm.rank()};
  // Metrics are an observer of the run: when /metrics cannot be served, say so and train without it (the
  // step log is still written) rather than lose the run.
  std::unique_ptr<engine::RunTelemetry> telemetry;
  try {
    telemetry = std::make_unique<engine::RunTelemetry>(options, comm, runtime::default_allocator());
  } catch (const InfrastructureError& e) {
    std::fprintf(stderr, "train: warning: %s; training continues without /metrics\n", e.what());
    options.metrics_enabled = false;
    return std::make_unique<engine::RunTelemetry>(options, comm, runtime::default_allocator());
  }
  if (const metrics::Endpoint* endpoint = telemetry->endpoint()) {
    if (endpoint->requested_port() != 0 && endpoint->port() != endpoint->requested_port()) {
      std::fprintf(stderr, "train: note: metrics port %d is taken (another run?); serving /metrics on %s instead\n",
                   endpoint->requested_port(), endpoint->scrape_address().c_str());
    }
    // The launcher lists this rank in the targets files from this report only.
    std::string problem;
    if (!rank::publish_metrics_address(s.rank, endpoint->scrape_address(), &problem)) {
      std::fprintf(stderr, "train: warning: could not tell the launcher where /metrics is served (%s)\n",
                   problem.c_str());
    }
  }
  return telemetry;
}

}  // namespace

int run_training(const TrainSetup& s) {
  kernels::set_blas_threads(s.threads);
  const runtime::Device device = require_supported_device(s.config.launch.device);
  const comm::BackendKind backend = backend_for(device, s);
  // Before anything touches the GPU: this thread's device and compute stream (the NCCL backend's
  // communication stream waits for it through events).
  const runtime::ComputeDevice compute(device, device == runtime::Device::kCuda ? s.rank.local_device : 0);
  const auto t_rendezvous = Clock::now();
  auto comm = comm::make_communicator(backend, s.rank, std::chrono::seconds(120));
  const double rendezvous_s = seconds_since(t_rendezvous);
  if (comm->size() != s.config.launch.num_processes) {
    throw ConfigError(s.config_origin + ": num_processes is " + std::to_string(s.config.launch.num_processes) +
                      " but this world has " + std::to_string(comm->size()) +
                      " rank(s); the batch triangle was resolved for the wrong world");
  }
  const bool lead = comm->rank() == 0;
  const config::TrainingSettings& t = s.config.training;

  const runtime::AdditionTask task(kTaskDigits, s.task);
  check_memory_fits(s, sequence_length(s, task));  // before the first allocation of the model
  runtime::Gpt2Model model(s.model, runtime::default_allocator(), device);
  engine::Engine engine(model, *comm, t);
  if (!s.flags.init_from.empty()) {
    engine.load_parameters(
        [&](runtime::ParameterStorage& storage) { runtime::load_gpt2_safetensors(model, storage, s.flags.init_from); });
  } else {
    engine.initialize(s.seed);
  }
  const RunData d = load_data(s, task);
  if (lead) {
    print_header(s, engine, *comm, backend, d);
    write_trained_memory_estimate(s, d.T);
  }
  if (s.flags.eval_only) {
    report_results(s, model, engine, task, d, lead);
    comm->barrier();
    return 0;
  }

  const runtime::BatchSampler sampler(d.data.train, d.T, t.train_micro_batch_size_per_gpu,
                                      t.gradient_accumulation_steps, comm->size(), s.seed);
  const runtime::LrSchedule schedule(t.scheduler, t.optimizer.lr);
  checkpoint::TrainingPosition position;
  position.init_seed = s.seed;
  position.data_seed = s.seed;
  position.global_batch = sampler.global_batch();
  position.context = d.T;
  position.scheduler_type = t.scheduler.type;
  position.identity =
      checkpoint::run_identity(s.model, t, sampler.global_batch(), s.seed, d.T, d.data.train.description);
  const auto telemetry = start_telemetry(s, engine, *comm, backend, device);
  telemetry->record_rendezvous(rendezvous_s);
  Checkpointing checkpoints(s, engine, model, position, *telemetry);
  const std::int64_t first_step = checkpoints.resume();

  const bool fp16 = engine.working_dtype() == runtime::DType::kF16;
  BatchDump dump(lead ? s.flags.dump_batches : std::string());
  Progress progress(first_step, s.steps, t.steps_per_print, "", isatty(STDOUT_FILENO) == 1 || s.rank.progress_bar);
  const std::int64_t rank_samples =
      static_cast<std::int64_t>(t.train_micro_batch_size_per_gpu) * t.gradient_accumulation_steps;
  const auto start = Clock::now();
  std::int64_t tokens = 0;
  double last_loss = 0;
  // The rate the last completed step used (saved with a checkpoint taken before any new step).
  double lr =
      first_step > 0 ? schedule.rate_after(std::max<std::int64_t>(0, first_step - 1 - engine.skipped_steps())) : 0.0;
  HangWatch hang_watch(*comm, s.rank);
  for (std::int64_t step = first_step; step < s.steps; ++step) {
    hang_watch.set_step(step + 1);
    const auto t0 = Clock::now();
    // As DeepSpeed: a skipped (overflowing) step does not advance the learning-rate scheduler.
    lr = schedule.rate_after(step - engine.skipped_steps());
    const engine::StepResult r = engine.train_step(sampler, step, lr);
    dump.write(sampler, step, t.gradient_accumulation_steps, comm->size());
    const double seconds = seconds_since(t0);
    telemetry->record_step(step + 1, r, lr, seconds, rank_samples * d.T, rank_samples);
    tokens += r.tokens;
    last_loss = r.loss;
    const double elapsed = seconds_since(start);
    if (lead) {
      const std::string scaling =
          fp16 ? " loss_scale " + format_scale(r.loss_scale) + " skipped " + std::to_string(engine.skipped_steps())
               : std::string();
      progress.update(step + 1, r.loss, lr, r.grad_norm, static_cast<double>(tokens) / elapsed, elapsed, scaling);
    }
    checkpoints.after_step(step + 1, lr);
    if (s.flags.eval_every > 0 && (step + 1) % s.flags.eval_every == 0 && step + 1 < s.steps) {
      const double validation = sampled_loss(model, engine.storage(), d.data.validation, d.T,
                                             t.train_micro_batch_size_per_gpu, s.flags.eval_batches);
      if (lead) {
        progress.finish();
        std::printf("step %lld: validation loss %.4f\n", static_cast<long long>(step + 1), validation);
      }
    }
  }
  if (lead) progress.finish();
  checkpoints.at_end(std::max(s.steps, first_step), lr);

  const double validation = sampled_loss(model, engine.storage(), d.data.validation, d.T,
                                         t.train_micro_batch_size_per_gpu, s.flags.eval_batches);
  const double elapsed = seconds_since(start);
  if (lead) {
    // `tokens` and `elapsed` are this process's: after a resume, the steps it took, not the training's.
    std::printf(
        "done: %s, %lld tokens in %.1fs (%.0f tok/s over %d rank(s)); last training loss %.4f; "
        "validation loss %.4f\n",
        progress.steps_summary().c_str(), static_cast<long long>(tokens), elapsed,
        elapsed > 0 ? static_cast<double>(tokens) / elapsed : 0.0, comm->size(), last_loss, validation);
  }
  report_results(s, model, engine, task, d, lead);
  comm->barrier();
  return 0;
}

}  // namespace zl::train
