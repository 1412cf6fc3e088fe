// The training loop of the `train` program (trainer.h).
#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "device_choice.h"
#include "distributed_run.h"
#include "progress.h"
#include "step_log.h"
#include "zl/base/error.h"
#include "zl/kernels/blas_threads.h"
#include "zl/kernels/l2_norm.h"
#include "zl/kernels/scale.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/gpt2_checkpoint.h"
#include "zl/runtime/gpt2_model.h"
#include "zl/runtime/lr_schedule.h"
#include "zl/runtime/optimizer.h"

namespace zl::train {
namespace {

using Clock = std::chrono::steady_clock;
using runtime::MemoryKind;

constexpr int kTaskDigits = 2;
constexpr std::size_t kTaskTrainBytes = 1 << 20;
constexpr std::size_t kTaskEvalProblems = 200;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

nlohmann::json memory_json() {
  const runtime::MemoryStats m = runtime::default_allocator().stats();
  nlohmann::json current = nlohmann::json::object(), peak = nlohmann::json::object();
  for (std::size_t k = 0; k < runtime::kMemoryKindCount; ++k) {
    const auto kind = static_cast<MemoryKind>(k);
    current[runtime::to_string(kind)] = m.current_bytes(kind);
    peak[runtime::to_string(kind)] = m.peak_bytes(kind);
  }
  current["total"] = m.total_current[0];
  peak["total"] = m.total_peak[0];
  return {{"cpu", current}, {"cpu_peak", peak}};
}

std::string printable(const std::vector<std::int32_t>& tokens) {
  std::string s;
  for (const std::int32_t t : tokens) {
    const auto c = static_cast<unsigned char>(t);
    s.push_back(c == '\n' || c == '\t' || (c >= 32 && c < 127) || c >= 128 ? static_cast<char>(c) : '?');
  }
  return s;
}

class Run {
 public:
  explicit Run(const TrainSetup& s)
      : s_(s),
        t_(s.config.training),
        model_(s.model),
        storage_(model_.layer_sizes()),
        T_(s.model.block_size),
        task_(kTaskDigits, s.task) {
    if (s.flags.data.empty()) T_ = std::min(T_, task_.window());
    if (s.flags.context) T_ = *s.flags.context;
  }

  int execute();

 private:
  void load_data();
  void print_header() const;
  double validation_loss();
  void report_task_and_samples();

  const TrainSetup& s_;
  const config::TrainingSettings& t_;
  runtime::Gpt2Model model_;
  runtime::LocalParameterStorage storage_;
  int T_;
  runtime::AdditionTask task_;
  runtime::TokenDataset data_;
  bool builtin_task_ = false;
  std::string rank_tag_;
};

void Run::load_data() {
  builtin_task_ = s_.flags.data.empty();
  if (builtin_task_) {
    data_ = task_.dataset(kTaskTrainBytes);
  } else {
    data_ = runtime::split_train_validation(runtime::load_token_file(s_.flags.data, "--data"), T_, 0.1, "--data");
  }
  if (data_.train.vocab_size > s_.model.vocab_size) {
    throw ConfigError("--data " + (builtin_task_ ? std::string("(built-in task)") : s_.flags.data) +
                      " has tokens up to " + std::to_string(data_.train.vocab_size - 1) + " but --model " +
                      s_.flags.model + " has a vocabulary of " + std::to_string(s_.model.vocab_size) +
                      "; choose a model with vocab >= " + std::to_string(data_.train.vocab_size));
  }
}

void Run::print_header() const {
  const auto& m = s_.model;
  std::printf("%smodel %s (%s = layers,heads,width,context,vocab): %lld parameters\n", rank_tag_.c_str(),
              m.name.c_str(), m.dimensions().c_str(), static_cast<long long>(m.parameter_count()));
  std::printf("%sdata: %s; validation %zu tokens\n", rank_tag_.c_str(), data_.train.description.c_str(),
              data_.validation.tokens.size());
  std::printf(
      "%sconfig: %s; micro-batch %d x %d tokens, accumulation %d, %s lr %.3g, scheduler %s, clipping %.3g, "
      "seed %llu, %d thread(s)\n",
      rank_tag_.c_str(), s_.config_origin.c_str(), t_.train_micro_batch_size_per_gpu, T_,
      t_.gradient_accumulation_steps, t_.optimizer.type.c_str(), t_.optimizer.lr,
      t_.scheduler.type.empty() ? "constant" : t_.scheduler.type.c_str(), t_.gradient_clipping,
      static_cast<unsigned long long>(s_.seed), s_.threads);
  if (s_.rank.world_size > 1) {
    std::printf(
        "%sNOTE: WORLD_SIZE=%d but this build has no ZeRO engine yet: each rank trains an INDEPENDENT "
        "replica on its own slice of every global batch (no gradients are exchanged; this is not data "
        "parallelism)\n",
        rank_tag_.c_str(), s_.rank.world_size);
  }
  if (t_.fp16.enabled || t_.bf16_enabled) {
    std::printf("%sNOTE: %s mixed precision runs in the ZeRO engine, under the launcher (zlaunch run -n 1 train ...); "
                "this standalone run trains in fp32\n",
                rank_tag_.c_str(), t_.fp16.enabled ? "fp16" : "bf16");
  }
  std::fflush(stdout);
}

double Run::validation_loss() {
  runtime::BatchSampler sampler(data_.validation, T_, t_.train_micro_batch_size_per_gpu, 1, 1, 0);
  double sum = 0;
  std::int64_t tokens = 0;
  for (int i = 0; i < s_.flags.eval_batches; ++i) {
    const runtime::MicroBatch mb = sampler.micro_batch(i, 0, 0);
    sum += model_.forward(storage_, mb.tokens.data(), mb.targets.data(), mb.B, mb.T);
    tokens += static_cast<std::int64_t>(mb.B) * mb.T;
  }
  return sum / static_cast<double>(tokens);
}

void Run::report_task_and_samples() {
  if (builtin_task_) {
    const auto score = runtime::score_task(model_, storage_, task_.evaluation_problems(kTaskEvalProblems));
    std::printf(
        "%stask: exact-match accuracy %.1f%% (%d/%d held-out problems of '%s' on %d-digit operands, greedy "
        "decoding)\n",
        rank_tag_.c_str(), 100.0 * score.accuracy(), score.correct, score.total, runtime::to_string(task_.skill()),
        task_.digits());
  }
  if (s_.flags.sample > 0) {
    runtime::Rng rng(s_.seed + 17);
    const std::vector<std::int32_t> prompt = {'\n'};
    const auto out = runtime::sample_continue(model_, storage_, prompt, s_.flags.sample, 0.8, rng);
    std::printf("%ssample (temperature 0.8):\n", rank_tag_.c_str());
    if (s_.model.vocab_size <= 256) {
      std::printf("%s\n", printable(out).c_str());
    } else {
      for (const std::int32_t t : out) std::printf("%d ", t);
      std::printf("\n");
    }
  }
  std::fflush(stdout);
}

int Run::execute() {
  kernels::set_blas_threads(s_.threads);
  require_supported_device(s_.config.launch.device, false);
  if (s_.rank.world_size > 1) rank_tag_ = "rank " + std::to_string(s_.rank.rank) + ": ";
  load_data();
  if (!s_.flags.init_from.empty()) {
    runtime::load_gpt2_safetensors(model_, storage_, s_.flags.init_from);
  } else {
    model_.initialize(storage_, s_.seed);
  }
  print_header();
  if (s_.flags.eval_only) {
    std::printf("%svalidation loss %.4f\n", rank_tag_.c_str(), validation_loss());
    report_task_and_samples();
    return 0;
  }

  const int micro = t_.train_micro_batch_size_per_gpu;
  const int accumulation = t_.gradient_accumulation_steps;
  runtime::BatchSampler sampler(data_.train, T_, micro, accumulation, s_.rank.world_size, s_.seed);
  const auto optimizer = runtime::Optimizer::create(t_.optimizer);
  const runtime::LrSchedule schedule(t_.scheduler, t_.optimizer.lr);
  StepLog log(s_.flags.log_json, s_.rank.rank, s_.rank.world_size);
  Progress progress(s_.steps, t_.steps_per_print, rank_tag_);
  const std::int64_t tokens_per_step = static_cast<std::int64_t>(micro) * accumulation * T_;
  // Each replica's loss is the mean over its own tokens of the step.
  const auto dloss = static_cast<float>(1.0 / static_cast<double>(tokens_per_step));
  const auto start = Clock::now();
  std::int64_t tokens_seen = 0;
  double last_loss = 0;
  for (std::int64_t step = 0; step < s_.steps; ++step) {
    const auto step_start = Clock::now();
    double data_s = 0, forward_s = 0, backward_s = 0;
    storage_.zero_grads();
    double loss_sum = 0;
    for (int m = 0; m < accumulation; ++m) {
      auto t0 = Clock::now();
      const runtime::MicroBatch mb = sampler.micro_batch(step, m, s_.rank.rank);
      data_s += seconds_since(t0);
      t0 = Clock::now();
      loss_sum += model_.forward(storage_, mb.tokens.data(), mb.targets.data(), mb.B, mb.T);
      forward_s += seconds_since(t0);
      t0 = Clock::now();
      model_.backward(storage_, dloss);
      backward_s += seconds_since(t0);
    }
    const double loss = loss_sum / static_cast<double>(tokens_per_step);
    if (!std::isfinite(loss)) {
      throw Error("the loss is not finite at step " + std::to_string(step + 1) +
                  " (diverged: lower the learning rate or enable gradient_clipping)");
    }
    const auto t_opt = Clock::now();
    double squared = 0;
    for (const auto& g : storage_.all_grads())
      squared += kernels::cpu::squared_l2_norm(g.f32(), static_cast<std::size_t>(g.numel()));
    const double grad_norm = std::sqrt(squared);
    if (t_.gradient_clipping > 0 && grad_norm > t_.gradient_clipping) {
      const auto factor = static_cast<float>(t_.gradient_clipping / (grad_norm + 1e-6));
      for (const auto& g : storage_.all_grads())
        kernels::cpu::scale(g.f32(), static_cast<std::size_t>(g.numel()), factor);
    }
    const double lr = schedule.lr(step);
    optimizer->step(storage_.params(), storage_.all_grads(), lr);
    const double optimizer_s = seconds_since(t_opt);
    const double step_s = seconds_since(step_start);
    tokens_seen += tokens_per_step;
    last_loss = loss;
    const double elapsed = seconds_since(start);
    log.write({{"step", step + 1},
               {"loss", loss},
               {"lr", lr},
               {"grad_norm", grad_norm},
               {"tokens", tokens_seen},
               {"seconds", step_s},
               {"data_seconds", data_s},
               {"forward_seconds", forward_s},
               {"backward_seconds", backward_s},
               {"optimizer_seconds", optimizer_s},
               {"rank", s_.rank.rank},
               {"world_size", s_.rank.world_size},
               {"memory_bytes", memory_json()}});
    progress.update(step + 1, loss, lr, grad_norm, static_cast<double>(tokens_seen) / elapsed, elapsed);
    if (s_.flags.eval_every > 0 && (step + 1) % s_.flags.eval_every == 0 && step + 1 < s_.steps) {
      progress.finish();
      std::printf("%sstep %lld: validation loss %.4f\n", rank_tag_.c_str(), static_cast<long long>(step + 1),
                  validation_loss());
    }
  }
  progress.finish();
  const double elapsed = seconds_since(start);
  std::printf("%sdone: %lld steps, %lld tokens in %.1fs (%.0f tok/s); last training loss %.4f; validation loss %.4f\n",
              rank_tag_.c_str(), static_cast<long long>(s_.steps), static_cast<long long>(tokens_seen), elapsed,
              elapsed > 0 ? static_cast<double>(tokens_seen) / elapsed : 0.0, last_loss, validation_loss());
  report_task_and_samples();
  return 0;
}

}  // namespace

int run_training(const TrainSetup& setup) {
  // Under a launcher (a rendezvous store, or mpirun): data parallelism with the ZeRO engine. WORLD_SIZE
  // without either (set by hand) keeps the independent replicas.
  const bool launched = std::getenv("ZLAUNCH_STORE") != nullptr || std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  const bool checkpoints = !setup.flags.checkpoint_dir.empty() || !setup.flags.resume.empty();
  if (checkpoints && !launched) {
    throw UsageError("--checkpoint_dir/--resume: checkpoints are saved by the ZeRO engine, which runs under the "
                     "launcher: zlaunch run -n 1 train ... (or more processes)");
  }
  if (checkpoints && setup.flags.eval_only) throw UsageError("--eval_only does not read checkpoints; consolidate one "
                                                             "(zlaunch checkpoint consolidate) and pass --init_from");
  // Mixed precision is the ZeRO engine's: under a launcher it runs there even on one rank.
  const auto& training = setup.config.training;
  const bool mixed = training.fp16.enabled || training.bf16_enabled;
  // So is the GPU (device: cuda).
  const bool gpu = setup.config.launch.device == config::DeviceKind::kCuda;
  if ((setup.rank.world_size > 1 || checkpoints || mixed || gpu) && launched && !setup.flags.eval_only) {
    return run_distributed(setup);
  }
  Run run(setup);
  return run.execute();
}

}  // namespace zl::train
