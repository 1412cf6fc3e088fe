// The ZeRO paper's model-state bytes per rank for the engine tests' model (DESIGN.md §4 table), computed
// from the model's layer sizes independently of the engine's partition code: each layer padded to a
// multiple of the world size and split evenly; stage 3 keeps layers below the persistence threshold
// (10·h, world_harness.h) whole.
#pragma once

#include <cstdint>

#include "world_harness.h"

namespace zl::engine::testing {

// Bytes per element of each kind: fp32 training keeps 4 of parameters, 4 of gradients and 8 of Adam
// state (no separate master); mixed precision 2 + 2 + 4 of fp32 master + 8 (K = 12).
struct StateWidths {
  std::int64_t params, grads, master, optimizer;
};
inline constexpr StateWidths kFp32Widths{4, 4, 0, 8};
inline constexpr StateWidths kMixedWidths{2, 2, 4, 8};

struct StateBytes {
  std::int64_t params = 0, grads = 0, master = 0, optimizer = 0;
};

// Per-rank bytes at `stage` over `world` ranks: params full (0), padded (1, 2) or the shard (3, except
// persistent layers); gradients full (0), padded (1) or the shard (2, 3); master and optimizer state
// full (0) or the shard (1-3).
inline StateBytes zero_state_bytes(int stage, int world, const StateWidths& w) {
  const std::int64_t threshold = 10 * test_model().n_embd;  // stage3_param_persistence_threshold
  StateBytes e;
  for (const std::int64_t psi : test_model().layer_parameter_counts()) {
    const std::int64_t padded = (psi + world - 1) / world * world;
    const std::int64_t shard = padded / world;
    const std::int64_t params = stage == 0 ? psi : stage < 3 || psi < threshold ? padded : shard;
    const std::int64_t grads = stage == 0 ? psi : stage == 1 ? padded : shard;
    const std::int64_t owned = stage == 0 ? psi : shard;
    e.params += w.params * params;
    e.grads += w.grads * grads;
    e.master += w.master * owned;
    e.optimizer += w.optimizer * owned;
  }
  return e;
}

}  // namespace zl::engine::testing
