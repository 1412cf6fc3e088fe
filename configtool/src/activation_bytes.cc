// Activation bytes of a training micro-batch (activation_bytes.h).
#include "activation_bytes.h"

namespace zl::config {

std::int64_t training_activation_bytes(const ModelSpec& model, std::int64_t micro_batch,
                                       std::int64_t tokens_per_sequence) {
  const std::int64_t B = micro_batch;
  const std::int64_t T = tokens_per_sequence;
  const std::int64_t N = B * T;
  const std::int64_t C = model.n_embd;
  const std::int64_t L = model.n_layer;
  const std::int64_t elements =
      N * C * (16 * L + 19) + N * (4 * L + 3) + N * model.vocab_size + L * B * model.n_head * T * T + T * T;
  return 4 * elements;
}

}  // namespace zl::config
