// Text generation from a Gpt2Model: greedy continuation of equal-length prompts (batched, used to score
// tasks exactly) and temperature sampling (train --sample). No key/value cache: each new token re-runs
// the forward over the (cropped) context, which is fine at the sizes `train` scores and samples.
#pragma once

#include <cstdint>
#include <vector>

#include "zl/runtime/gpt2_model.h"
#include "zl/runtime/rng.h"

namespace zl::runtime {

// Continues every prompt (all of the same length) by `max_new` greedy (argmax) tokens; returns only the
// new tokens. The context is cropped to the model's block_size from the left.
std::vector<std::vector<std::int32_t>> greedy_continue(Gpt2Model& model, ParameterStorage& storage,
                                                       const std::vector<std::vector<std::int32_t>>& prompts,
                                                       int max_new);

// Samples `max_new` tokens after `prompt` (non-empty) at `temperature` (> 0), the context cropped to
// block_size from the left.
std::vector<std::int32_t> sample_continue(Gpt2Model& model, ParameterStorage& storage,
                                          const std::vector<std::int32_t>& prompt, int max_new, double temperature,
                                          Rng& rng);

}  // namespace zl::runtime
