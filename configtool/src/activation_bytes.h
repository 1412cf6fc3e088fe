// Bytes of the GPT-2 model's activations (MemoryKind::kActivations) on one rank during training on
// micro-batches of B sequences of T tokens. Every activation buffer of the runtime's model is a growable
// buffer that is allocated at its first use and kept (runtime/src/workspace.cc), so with a fixed micro-batch
// the peak is the sum of these sizes, reached in the first forward and backward. Internal to configtool.
#pragma once

#include <cstdint>

#include "zl/config/model_spec.h"

namespace zl::config {

// fp32 elements, N = B * T, C = n_embd, V = vocab_size, NH = n_head, L = n_layer (the mirrored code):
//   EmbeddingLayer::forward   out_buffer_                      N*C
//   TransformerBlock::forward saved_, per block                16*N*C + 4*N + B*NH*T*T
//   FinalNormLayer::forward   saved_                           N*C + 2*N
//   TiedHead::forward         buffer_ (logits and losses)      N*V + N
//   Gpt2Model::backward       grad_a_, grad_b_                 2*N*C
//   Workspace slots, the largest use of each (TransformerBlock): proj, dx1, dln, datty N*C each;
//                             dfc_gelu, dfc 4*N*C each; dqkv 3*N*C; datt T*T
// in all 4 * (N*C*(16L + 19) + N*(4L + 3) + N*V + L*B*NH*T*T + T*T) bytes.
[[nodiscard]] std::int64_t training_activation_bytes(const ModelSpec& model, std::int64_t micro_batch,
                                                     std::int64_t tokens_per_sequence);

}  // namespace zl::config
