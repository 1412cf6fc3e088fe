// World-size-independent sample order (zl/runtime/batch_sampler.h).
#include "zl/runtime/batch_sampler.h"

#include "zl/base/check.h"
#include "zl/runtime/rng.h"

namespace zl::runtime {

BatchSampler::BatchSampler(const TokenStream& stream, int T, int micro_batch, int accumulation, int world_size,
                           std::uint64_t seed)
    : stream_(&stream), T_(T), micro_(micro_batch), accumulation_(accumulation), world_(world_size), seed_(seed) {
  ZL_CHECK(stream.tokens.size() > static_cast<std::size_t>(T),
           "a stream of " << stream.tokens.size() << " tokens for context " << T);
  ZL_CHECK(micro_ > 0 && accumulation_ > 0 && world_ > 0, "batch sizes must be positive");
  const std::size_t last = stream.tokens.size() - static_cast<std::size_t>(T) - 1;
  while (usable_starts_ < stream.sample_starts.size() && stream.sample_starts[usable_starts_] <= last) ++usable_starts_;
  ZL_CHECK(stream.sample_starts.empty() || usable_starts_ > 0, "no sample start leaves room for " << T << " tokens");
}

std::size_t BatchSampler::window_start(std::int64_t g) const {
  Rng rng(mix64(seed_) + static_cast<std::uint64_t>(g));
  if (usable_starts_ > 0) return stream_->sample_starts[static_cast<std::size_t>(rng.below(usable_starts_))];
  return static_cast<std::size_t>(rng.below(stream_->tokens.size() - static_cast<std::size_t>(T_)));
}

MicroBatch BatchSampler::micro_batch(std::int64_t step, int micro_step, int rank) const {
  ZL_CHECK(rank >= 0 && rank < world_ && micro_step >= 0 && micro_step < accumulation_,
           "rank " << rank << " micro step " << micro_step);
  MicroBatch mb;
  mb.B = micro_;
  mb.T = T_;
  mb.tokens.resize(static_cast<std::size_t>(micro_) * T_);
  mb.targets.resize(mb.tokens.size());
  const std::int64_t micro_index = static_cast<std::int64_t>(micro_step) * world_ + rank;
  const std::int64_t first = step * global_batch() + micro_index * micro_;
  for (int b = 0; b < micro_; ++b) {
    const std::size_t start = window_start(first + b);
    for (int t = 0; t < T_; ++t) {
      mb.tokens[static_cast<std::size_t>(b) * T_ + t] = stream_->tokens[start + t];
      mb.targets[static_cast<std::size_t>(b) * T_ + t] = stream_->tokens[start + t + 1];
    }
  }
  return mb;
}

}  // namespace zl::runtime
