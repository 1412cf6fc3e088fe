// BatchSampler: which windows of a token stream form each batch, and which of them a rank reads.
//
// Order contract (DESIGN.md §4 Determinism): global sample g (g = step * global_batch + i) is the window
// starting at Rng(mix64(seed) + g).below(len - T) — or, when the stream lists sample_starts, at the
// below(count)-th of those that leave room for T + 1 tokens — a function of the seed, the step and the
// global batch size only, never of the world size. A global batch of G = micro * accumulation * world samples is
// G / micro micro-batches of `micro` consecutive samples; rank r of W reads micro-batches r, r + W,
// r + 2W, ... (interleaved), one per accumulation step. The union over ranks is the same G samples
// whatever W is, so the mean loss over the global batch does not depend on W.
#pragma once

#include <cstdint>
#include <vector>

#include "zl/runtime/token_dataset.h"

namespace zl::runtime {

struct MicroBatch {
  int B = 0;
  int T = 0;
  std::vector<std::int32_t> tokens;   // [B, T]
  std::vector<std::int32_t> targets;  // [B, T]: the next token of each position
};

class BatchSampler {
 public:
  // `stream` must outlive the sampler and hold more than T tokens.
  BatchSampler(const TokenStream& stream, int T, int micro_batch, int accumulation, int world_size, std::uint64_t seed);

  [[nodiscard]] int global_batch() const { return micro_ * accumulation_ * world_; }
  // The micro-batch of `rank` for accumulation step `micro_step` (0 .. accumulation-1) of optimizer `step`.
  [[nodiscard]] MicroBatch micro_batch(std::int64_t step, int micro_step, int rank) const;
  // The start offset of global sample g.
  [[nodiscard]] std::size_t window_start(std::int64_t g) const;

 private:
  const TokenStream* stream_;
  int T_;
  int micro_;
  int accumulation_;
  int world_;
  std::uint64_t seed_;
  std::size_t usable_starts_ = 0;  // sample_starts that leave room for a window
};

}  // namespace zl::runtime
