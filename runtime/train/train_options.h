// The `train` program's command line and the configuration it runs with: the resolved config from
// ZLAUNCH_CONFIG when the launcher set it, else built-in defaults; flags override both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"
#include "zl/runtime/addition_task.h"

namespace CLI {
class App;
}

namespace zl::train {

struct TrainFlags {
  std::string model = "small";
  std::string data;              // "" = the built-in task
  std::string task = "reverse";  // the built-in task's skill: reverse | add
  std::optional<std::int64_t> steps;
  std::optional<std::uint64_t> seed;
  int eval_every = 0;  // 0 = only at the end
  int eval_batches = 8;
  bool eval_only = false;
  std::string init_from;
  int sample = 0;
  std::string log_json;
  int threads = 0;  // 0 = OMP_NUM_THREADS, else 1
  std::optional<double> lr;
  std::string checkpoint_dir;  // "" = no checkpoints
  int save_every = 0;          // 0 = only at the end (when checkpoint_dir is set)
  int keep_last = 0;           // 0 = keep every checkpoint
  std::string resume;          // "auto" | a checkpoint path | "" (= "auto" when checkpoint_dir is set)
  std::optional<int> context;  // training window length (<= the model's context)  // overrides optimizer.lr (and
                               // warmup_max_lr of WarmupLR/WarmupDecayLR)
};

// The process's place in a launched job (torch-compatible environment, DESIGN.md §3).
struct RankInfo {
  int rank = 0;
  int world_size = 1;
};

struct TrainSetup {
  TrainFlags flags;
  config::ModelSpec model;
  runtime::TaskSkill task = runtime::TaskSkill::kReverse;
  config::ResolvedConfig config;
  std::string config_origin;  // "built-in defaults" or the ZLAUNCH_CONFIG path
  RankInfo rank;
  std::int64_t steps = 0;
  std::uint64_t seed = 0;
  int threads = 1;
};

void add_train_flags(CLI::App& app, TrainFlags& flags);

// The defaults `train` uses without a launcher: micro-batch 8, no accumulation, AdamW lr 1e-3
// (betas 0.9/0.95, weight decay 0.1), WarmupCosineLR (linear warmup of 20 steps, to 0.1x), clipping 1.0.
config::ResolvedConfig default_config();

// Resolves flags + environment + config into the setup; throws zl::UsageError/ConfigError naming the
// flag, variable or file at fault.
TrainSetup make_setup(const TrainFlags& flags);

}  // namespace zl::train
