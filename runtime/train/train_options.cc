// Flags, environment and configuration of the `train` program (train_options.h).
#include "train_options.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "zl/base/error.h"

namespace zl::train {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

int env_int(const char* name, int fallback, int min_value) {
  const auto v = env(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const int x = std::stoi(*v, &used);
    if (used != v->size() || x < min_value) throw std::invalid_argument(*v);
    return x;
  } catch (const std::exception&) {
    throw UsageError(std::string("environment variable ") + name + "='" + *v +
                     "' is not an integer >= " + std::to_string(min_value));
  }
}

}  // namespace

void add_train_flags(CLI::App& app, TrainFlags& f) {
  app.add_option("--model", f.model, "GPT-2 size: tiny, small, gpt2, or L,H,C,T,V (layers,heads,width,context,vocab)")
      ->capture_default_str();
  app.add_option("--data", f.data,
                 "training data: a text file (bytes) or an llm.c .bin token shard; "
                 "default: the built-in addition task");
  app.add_option("--steps", f.steps, "optimizer steps (default: 400 on the built-in task, 2000 on files)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", f.seed, "seed of initialization and sample order (default: the config's seed)");
  app.add_option("--eval_every", f.eval_every, "validation every N steps (0: only at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--eval_batches", f.eval_batches, "micro-batches per validation")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--eval_only", f.eval_only, "evaluate (validation loss, task score) without training");
  app.add_option("--init_from", f.init_from, "initial weights: a Hugging Face GPT-2 .safetensors file");
  app.add_option("--sample", f.sample, "generate N tokens of text at the end")->check(CLI::NonNegativeNumber);
  app.add_option("--log_json", f.log_json,
                 "write one JSON line per optimizer step to FILE "
                 "(FILE.rankR under several ranks)");
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
  app.add_option("--threads", f.threads, "compute threads of this process (default: OMP_NUM_THREADS, else 1)")
      ->check(CLI::NonNegativeNumber);
}

config::ResolvedConfig default_config() {
  config::ResolvedConfig c;
  auto& t = c.training;
  t.train_micro_batch_size_per_gpu = 8;
  t.gradient_accumulation_steps = 1;
  t.train_batch_size = 8;
  t.gradient_clipping = 1.0;
  t.optimizer.type = "AdamW";
  t.optimizer.lr = 1e-3;
  t.optimizer.betas = {0.9, 0.95};
  t.optimizer.weight_decay = 0.1;
  t.scheduler.type = "WarmupCosineLR";
  t.scheduler.warmup_num_steps = 20;
  t.scheduler.warmup_type = "linear";
  t.scheduler.warmup_min_ratio = 0.0;
  t.scheduler.cos_min_ratio = 0.1;
  t.scheduler.total_num_steps = 0;  // 0 = the run's --steps
  t.steps_per_print = 25;
  t.seed = 1234;
  return c;
}

TrainSetup make_setup(const TrainFlags& flags) {
  TrainSetup s;
  s.flags = flags;
  s.model = config::parse_model_spec(flags.model, "--model");
  s.task = runtime::parse_task_skill(flags.task, "--task");
  if (const auto path = env("ZLAUNCH_CONFIG")) {
    s.config = config::read_resolved_config(*path);
    s.config_origin = *path;
  } else {
    s.config = default_config();
    s.config_origin = "built-in defaults";
  }
  s.rank.world_size = env_int("WORLD_SIZE", 1, 1);
  s.rank.rank = env_int("RANK", 0, 0);
  if (flags.context && *flags.context > s.model.block_size) {
    throw UsageError("--context " + std::to_string(*flags.context) + " exceeds the model's context of " +
                     std::to_string(s.model.block_size) + " tokens (--model " + flags.model + ")");
  }
  if (s.rank.rank >= s.rank.world_size) {
    throw UsageError("RANK=" + std::to_string(s.rank.rank) +
                     " is not below WORLD_SIZE=" + std::to_string(s.rank.world_size));
  }
  s.seed = flags.seed.value_or(s.config.training.seed);
  if (flags.lr) {
    s.config.training.optimizer.lr = *flags.lr;
    s.config.training.scheduler.warmup_max_lr = *flags.lr;
  }
  s.steps = flags.steps.value_or(flags.data.empty() ? 400 : 2000);
  auto& sched = s.config.training.scheduler;
  if (sched.total_num_steps == 0) sched.total_num_steps = std::max<std::int64_t>(s.steps, sched.warmup_num_steps);
  s.threads = flags.threads > 0 ? flags.threads : env_int("OMP_NUM_THREADS", 1, 1);
  if (s.flags.checkpoint_dir.empty() && (flags.save_every > 0 || flags.keep_last > 0 || flags.resume == "auto")) {
    throw UsageError(std::string(flags.resume == "auto" ? "--resume auto" : flags.save_every > 0 ? "--save_every" : "--keep_last") +
                     " needs --checkpoint_dir");
  }
  if (s.flags.resume.empty() && !s.flags.checkpoint_dir.empty()) s.flags.resume = "auto";
  if (s.config.training.train_micro_batch_size_per_gpu < 1 || s.config.training.gradient_accumulation_steps < 1) {
    throw ConfigError(s.config_origin +
                      ": train_micro_batch_size_per_gpu and gradient_accumulation_steps must be >= 1");
  }
  return s;
}

}  // namespace zl::train
