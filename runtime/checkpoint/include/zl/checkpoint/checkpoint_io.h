// Saving and loading an Engine's training state (docs/checkpoints.md). Both are collective: every rank
// calls them, in the same order, and every rank returns or throws together (a failure on one rank is
// announced to all, so nobody waits forever in a later collective and nothing partial is published).
//
// save_checkpoint, at most three synchronization points:
//   1. rank 0 creates <dir>/.tmp.step_N (removing a stale one); all agree it exists;
//   2. every rank writes and fsyncs its shard rank_<r>.bin there; all exchange sizes and XXH64s;
//   3. rank 0 writes and fsyncs manifest.json, fsyncs the directory, renames it to <dir>/step_N
//      (atomically exchanging an existing step_N), fsyncs <dir>, replaces <dir>/latest (write temp,
//      fsync, rename, fsync) and prunes (--keep_last); all agree it succeeded.
// A crash anywhere before the rename leaves only a .tmp directory (removed by the next save); `latest`
// changes only after the new step directory is complete and durable.
//
// load_checkpoint: each rank reads exactly the elements it holds under its own engine's partition and
// stage (Engine::held_state) from whichever old shard files hold them, then the engine redistributes.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "zl/checkpoint/manifest.h"
#include "zl/checkpoint/training_state.h"
#include "zl/engine/engine.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::checkpoint {

struct SaveOptions {
  std::string dir;    // the checkpoint directory (created when missing)
  int keep_last = 0;  // > 0: delete older published checkpoints after publishing
};

struct SaveResult {
  std::string path;               // the published step directory
  std::uint64_t rank_bytes = 0;   // this rank's shard
  std::uint64_t total_bytes = 0;  // all shards
};

SaveResult save_checkpoint(engine::Engine& engine, const runtime::Gpt2Model& model, const TrainingPosition& position,
                           const SaveOptions& options);

// Loads `step_dir` into the engine and returns its manifest (step, scheduler, data and RNG positions).
// Throws zl::ConfigError naming the file at fault: another model, another optimizer, a run identity
// that differs from `identity` (skipped when `identity` is null), corrupt or truncated shards.
Manifest load_checkpoint(engine::Engine& engine, const runtime::Gpt2Model& model, const std::string& step_dir,
                         const nlohmann::json& identity);

}  // namespace zl::checkpoint
