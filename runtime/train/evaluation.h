// What `train` measures of a model without training it: the validation loss during and after training,
// the loss over a whole token stream (--eval_only), the built-in task's exact-match score, and a text
// sample. Collective: every rank calls each function the same way (at stage 3 a forward gathers each
// layer from all ranks); every rank gets the same result, rank 0 prints it.
#pragma once

#include <cstdint>
#include <string>

#include "zl/runtime/gpt2_model.h"
#include "zl/runtime/parameter_storage.h"
#include "zl/runtime/token_dataset.h"

namespace zl::train {

struct StreamLoss {
  double loss = 0.0;        // mean token loss (nats)
  std::int64_t tokens = 0;  // predicted tokens
  std::int64_t windows = 0;
};

// The mean loss of `batches` micro-batches of `micro` windows of T tokens, sampled in the fixed order of
// a seed-0 BatchSampler (the same windows at every evaluation of a run).
double sampled_loss(runtime::Gpt2Model& model, runtime::ParameterStorage& storage, const runtime::TokenStream& stream,
                    int T, int micro, int batches);

// The loss over the whole stream: consecutive windows of T tokens (stride T), `micro` windows per
// forward, the remainder as one shorter window, so that every token after the first is predicted exactly
// once. A stream of exactly T + 1 tokens is one window. Throws zl::ConfigError naming `what` for a
// stream of fewer than 2 tokens.
StreamLoss whole_stream_loss(runtime::Gpt2Model& model, runtime::ParameterStorage& storage,
                             const runtime::TokenStream& stream, int T, int micro, const std::string& what);

// `max_new` tokens sampled after a newline at temperature 0.8 (seeded), printable for byte vocabularies.
std::string sample_text(runtime::Gpt2Model& model, runtime::ParameterStorage& storage, int max_new, std::uint64_t seed);

}  // namespace zl::train
