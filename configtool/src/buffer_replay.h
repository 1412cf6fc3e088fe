// The peak of the ZeRO engine's buffers (MemoryKind::kBuffers) on one rank, found by replaying what the
// engine allocates and frees, in the order it does, without allocating anything: parameter loading
// (Engine::initialize), then training steps (Engine::train_step and finish_step over the model's
// acquire / grads / release / grads_ready sequence, Gpt2Model::forward and backward) on a replica of
// each stage's storage (runtime/engine/src/stage{0..3}_storage.cc and the helpers they use). Bucket
// sizes come from the engine's own packing rules (zl/config/zero_layout.h); the lifetimes are mirrored
// here, and each replayed class names the engine class it mirrors. The memory_estimate_vs_allocator test
// holds the result against the accounting allocator's measured peak, so a change in the engine that this
// replay does not follow fails that test. Internal to configtool.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zl/config/resolved_config.h"

namespace zl::config {

// What a buffer is for (the parts of the peak that memory_estimate.h reports).
enum class BufferUse {
  kReduceBucket,   // gradient reduce-scatter / all-reduce buckets (GradientBuckets, stage-0 fp32 all-reduce)
  kGatherBucket,   // stages 1-2: all-gather buckets of the updated shards (ResidentParams)
  kGatheredLayer,  // stage 3: whole layers gathered for use, prefetched, or kept for reuse
  kFullGradient,   // stages 2-3: a layer's full fp32 gradient until its buckets are launched
  kFp32Copy,       // mixed precision: fp32 widenings of 16-bit parameters and gradients, staged gradients
  kLoad,           // fp32 buffers that parameter loading writes into
  kTokens,         // cuda: the micro-batch's tokens and targets copied to the device
};
inline constexpr std::size_t kBufferUseCount = 7;

struct BufferReplayRequest {
  std::vector<std::int64_t> layer_sizes;  // parameters per layer, layer 0 the embedding the tied head reuses
  int world_size = 1;
  ZeroSettings zero;        // stage, overlap_comm, bucket sizes, the stage3_* settings
  int working_bytes = 4;    // 4 (fp32 training) or 2 (16-bit working parameters and gradients)
  int reduce_bytes = 4;     // the dtype gradient reductions run in (communication_data_type)
  int micro_steps = 1;      // gradient_accumulation_steps
  std::int64_t tokens = 0;  // cuda: tokens per micro-batch (B * T); 0 on the CPU
};

struct BufferPeak {
  std::int64_t bytes = 0;
  std::array<std::int64_t, kBufferUseCount> parts{};  // bytes alive at the peak, by BufferUse
  std::string when;                                   // where the peak occurs, e.g. "step 2, backward, layer 3"
};

// Throws zl::ConfigError when the bucket sizes would make the replay (and the engine) issue more than
// 10^7 collectives per step.
BufferPeak replay_buffer_peak(const BufferReplayRequest& request);

}  // namespace zl::config
