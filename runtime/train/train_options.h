// The `train` program's command line and the configuration it runs with. One rule whether it runs alone
// or as a rank: the config is the launcher's resolved file (ZLAUNCH_CONFIG) when there is one, else what
// configtool's resolve() gives for this world (--config_file, ./zlaunch.yaml, ~/.config/zlaunch,
// ZLAUNCH_* variables, built-in defaults: the same layers `zlaunch run` reads). Flags override both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"
#include "zl/rank/rank_context.h"
#include "zl/runtime/addition_task.h"

namespace CLI {
class App;
}

namespace zl::train {

struct TrainFlags {
  std::string model;             // "" = the config's model (launch.model), or --init_from's architecture
  std::string config_file;       // a launch YAML or DeepSpeed JSON for a run without the launcher
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
  std::string dump_batches;           // "" = none; else rank 0 writes every step's global batch (batch_dump.h)
  int threads = 0;                    // 0 = OMP_NUM_THREADS, else this process's share of the cores
  std::optional<double> lr;           // overrides optimizer.lr (and warmup_max_lr of the Warmup* schedules)
  std::string checkpoint_dir;         // "" = no checkpoints
  int save_every = 0;                 // 0 = only at the end (when checkpoint_dir is set)
  int keep_last = 0;                  // 0 = keep every checkpoint
  std::string resume;                 // "auto" | a checkpoint path | "" (= "auto" when checkpoint_dir is set)
  std::optional<int> context;         // training window length (<= the model's context)
  std::string comm_backend = "auto";  // auto | shm | gloo | mpi | nccl (comm::choose_backend)
};

struct TrainSetup {
  TrainFlags flags;
  rank::RankContext rank;    // who this process is (a world of one without a launcher)
  config::ModelSpec model;   // the model trained
  std::string model_source;  // where its architecture came from, for the header line
  std::string config_model;  // the config's launch.model before it was set to the model trained
  runtime::TaskSkill task = runtime::TaskSkill::kReverse;
  config::ResolvedConfig config;
  std::string config_origin;  // the ZLAUNCH_CONFIG path, the files resolve() read, or "built-in defaults"
  std::int64_t steps = 0;
  std::uint64_t seed = 0;
  int threads = 1;
};

void add_train_flags(CLI::App& app, TrainFlags& flags);

// Resolves flags + rank context + configuration into the setup; throws zl::UsageError/ConfigError
// naming the flag, variable or file at fault.
TrainSetup make_setup(const TrainFlags& flags, const rank::RankContext& rank);

}  // namespace zl::train
