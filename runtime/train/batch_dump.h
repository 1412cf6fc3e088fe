// --dump_batches: the token ids of every optimizer step's global batch, so that another framework can
// replay exactly what was trained (tests/crossframework/reference_train.py; docs/runtime.md).
//
// Rank 0 writes it without communication: the sampler's order is a function of the seed, the step and
// the global batch only (zl/runtime/batch_sampler.h), so rank 0 computes every rank's micro-batches
// with the same BatchSampler::micro_batch(step, micro_step, rank) call that rank makes in
// Engine::train_step.
//
// Format: JSON lines, one object per optimizer step, appended and flushed after the step:
//   {"step": 1, "world_size": W, "micro_batch": B, "accumulation": A, "context": T,
//    "tokens": [[...T ids...], ... G rows], "targets": [[...], ... G rows]}
// G = A * W * B rows in global sample order: row i is accumulation micro-step m = i / (W * B) of rank
// r = (i / B) % W, sample i % B of that micro-batch; targets[i][t] is the token after tokens[i][t].
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "zl/runtime/batch_sampler.h"

namespace zl::train {

class BatchDump {
 public:
  // "" disables the dump. Throws zl::UsageError naming --dump_batches when unwritable. The file is
  // truncated: it holds the steps of this invocation (a resumed run starts at its first new step).
  explicit BatchDump(const std::string& path);
  // Appends optimizer step `step` (0-based; written as step + 1, as --log_json numbers steps).
  void write(const runtime::BatchSampler& sampler, std::int64_t step, int accumulation, int world_size);

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace zl::train
