// Flags, environment and configuration of the `train` program (train_options.h).
#include "train_options.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdlib>

#include "model_choice.h"
#include "zl/base/error.h"
#include "zl/base/system_info.h"
#include "zl/config/auto_rules.h"
#include "zl/config/resolve.h"

namespace zl::train {
namespace {

int omp_threads(int local_processes) {
  const char* text = std::getenv("OMP_NUM_THREADS");
  if (text == nullptr || *text == '\0') return threads_per_process(local_processes);
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 1 || value > 4096) {
    throw UsageError(std::string("OMP_NUM_THREADS='") + text + "' is not a thread count >= 1");
  }
  return static_cast<int>(value);
}

// The launcher's resolved file, or resolve() for this world: the same layers and rules `zlaunch run`
// uses, with num_processes = the world this process is part of.
config::ResolvedConfig load_config(const TrainFlags& flags, const rank::RankContext& rank, std::string& origin) {
  if (!rank.config_path.empty()) {
    if (!flags.config_file.empty()) {
      throw UsageError("--config_file " + flags.config_file +
                       ": this rank runs with the config zlaunch run resolved (" + rank.config_path +
                       "); pass --config_file to zlaunch run instead");
    }
    origin = rank.config_path;
    return config::read_resolved_config(rank.config_path);
  }
  config::ResolveRequest request;
  request.config_file = flags.config_file;
  request.flags["num_processes"] = std::to_string(rank.identity.world_size);
  config::ResolvedConfig resolved = config::resolve(request);
  origin.clear();
  for (const std::string& file : resolved.files_used) origin += (origin.empty() ? "" : ", ") + file;
  if (origin.empty()) origin = "built-in defaults";
  return resolved;
}

}  // namespace

void add_train_flags(CLI::App& app, TrainFlags& f) {
  app.add_option("--model", f.model,
                 "GPT-2 size: tiny, small, gpt2, or L,H,C,T,V (layers,heads,width,context,vocab); default: the "
                 "config's model (launch.model), or the architecture of --init_from");
  app.add_option("--config_file", f.config_file,
                 "a launch YAML or DeepSpeed JSON (without zlaunch run; under it, give --config_file to zlaunch run)");
  app.add_option("--data", f.data,
                 "training data: a text file (bytes) or an llm.c .bin token shard; "
                 "default: the built-in task");
  app.add_option("--task", f.task, "the built-in task's skill: reverse (reverse the digits) or add (sum two numbers)")
      ->capture_default_str();
  app.add_option("--steps", f.steps, "optimizer steps (default: 400 on the built-in task, 2000 on files)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", f.seed, "seed of initialization and sample order (default: the config's seed)");
  app.add_option("--eval_every", f.eval_every, "validation every N steps (0: only at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--eval_batches", f.eval_batches, "micro-batches per validation")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--eval_only", f.eval_only,
               "evaluate without training: the loss over the whole --data file in consecutive windows (or the "
               "built-in task's validation set and score)");
  app.add_option("--init_from", f.init_from,
                 "initial weights: a Hugging Face GPT-2 .safetensors file (its architecture is the model's)");
  app.add_option("--sample", f.sample, "generate N tokens of text at the end")->check(CLI::NonNegativeNumber);
  app.add_option("--log_json", f.log_json,
                 "write one JSON line per optimizer step to FILE (the step log's rows, docs/runtime.md); rank 0 "
                 "writes FILE, rank R > 0 writes FILE.rankR; a restart under zlaunch run appends");
  app.add_option("--dump_batches", f.dump_batches,
                 "write the token ids of every optimizer step's global batch (all ranks, all micro-steps) to FILE "
                 "as JSON lines (rank 0; docs/runtime.md)");
  app.add_option("--lr", f.lr, "peak learning rate: optimizer.lr, and warmup_max_lr of WarmupLR/WarmupDecayLR")
      ->check(CLI::PositiveNumber);
  app.add_option("--context", f.context,
                 "tokens per training window (default: the model's context; the "
                 "built-in task uses windows of two problems)")
      ->check(CLI::PositiveNumber);
  app.add_option("--checkpoint_dir", f.checkpoint_dir,
                 "save checkpoints to DIR/step_NNNNNNNN (DIR/latest names the newest; docs/checkpoints.md)");
  app.add_option("--save_every", f.save_every, "save a checkpoint every N optimizer steps (and at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--keep_last", f.keep_last, "keep only the K newest checkpoints (0: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--resume", f.resume,
                 "auto (the latest checkpoint in --checkpoint_dir, if any; the default with --checkpoint_dir) "
                 "or a checkpoint: a step directory or a checkpoint directory");
  app.add_option("--comm_backend", f.comm_backend,
                 "collectives: auto (nccl on the GPU; on the CPU shm when all ranks share this machine, else mpi "
                 "under mpirun, else gloo), shm, gloo, mpi or nccl")
      ->check(CLI::IsMember({"auto", "shm", "gloo", "mpi", "nccl"}));
  app.add_option("--threads", f.threads,
                 "compute threads of this process (default: OMP_NUM_THREADS, else this process's share of the "
                 "cores)")
      ->check(CLI::NonNegativeNumber);
}

TrainSetup make_setup(const TrainFlags& flags, const rank::RankContext& rank) {
  TrainSetup s;
  s.flags = flags;
  s.rank = rank;
  s.task = runtime::parse_task_skill(flags.task, "--task");
  s.config = load_config(flags, rank, s.config_origin);
  const ModelChoice model = choose_model(flags.model, flags.init_from, s.config);
  s.model = model.spec;
  s.model_source = model.source;
  // "auto" values follow the model actually trained, whatever the config was written for.
  s.config_model = s.config.launch.model;
  config::resize_auto_for_model(s.config, s.model);
  s.config.sources["model"] = model.source;
  if (flags.context && *flags.context > s.model.block_size) {
    throw UsageError("--context " + std::to_string(*flags.context) + " exceeds the model's context of " +
                     std::to_string(s.model.block_size) + " tokens (" + s.model.dimensions() + ", from " +
                     s.model_source + ")");
  }
  s.seed = flags.seed.value_or(s.config.training.seed);
  if (flags.lr && !(std::isfinite(*flags.lr) && *flags.lr > 0)) {  // CLI11's PositiveNumber lets nan through
    throw UsageError("--lr " + std::to_string(*flags.lr) + ": give a finite learning rate > 0");
  }
  if (flags.lr) {
    s.config.training.optimizer.lr = *flags.lr;
    s.config.training.scheduler.warmup_max_lr = *flags.lr;
  }
  s.steps = flags.steps.value_or(flags.data.empty() ? 400 : 2000);
  auto& sched = s.config.training.scheduler;
  if (sched.total_num_steps == 0) sched.total_num_steps = std::max<std::int64_t>(s.steps, sched.warmup_num_steps);
  s.threads = flags.threads > 0 ? flags.threads : omp_threads(rank.identity.local_world_size);
  if (s.flags.checkpoint_dir.empty() && (flags.save_every > 0 || flags.keep_last > 0 || flags.resume == "auto")) {
    throw UsageError(std::string(flags.resume == "auto" ? "--resume auto"
                                 : flags.save_every > 0 ? "--save_every"
                                                        : "--keep_last") +
                     " needs --checkpoint_dir");
  }
  if (flags.eval_only && (!flags.checkpoint_dir.empty() || !flags.resume.empty())) {
    throw UsageError(
        "--eval_only does not read checkpoints; consolidate one (zlaunch checkpoint consolidate) and "
        "pass --init_from");
  }
  if (flags.eval_only && !flags.dump_batches.empty()) {
    throw UsageError("--dump_batches records the batches trained; --eval_only trains none");
  }
  if (s.flags.resume.empty() && !s.flags.checkpoint_dir.empty()) s.flags.resume = "auto";
  return s;
}

}  // namespace zl::train
