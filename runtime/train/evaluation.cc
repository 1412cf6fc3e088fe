// Validation, whole-stream loss and sampling of `train` (evaluation.h).
#include "evaluation.h"

#include <algorithm>
#include <vector>

#include "zl/base/error.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/generate.h"
#include "zl/runtime/rng.h"

namespace zl::train {

double sampled_loss(runtime::Gpt2Model& model, runtime::ParameterStorage& storage, const runtime::TokenStream& stream,
                    int T, int micro, int batches) {
  const runtime::BatchSampler sampler(stream, T, micro, 1, 1, 0);
  double sum = 0;
  std::int64_t tokens = 0;
  for (int i = 0; i < batches; ++i) {
    const runtime::MicroBatch mb = sampler.micro_batch(i, 0, 0);
    sum += model.forward(storage, mb.tokens.data(), mb.targets.data(), mb.B, mb.T);
    tokens += static_cast<std::int64_t>(mb.B) * mb.T;
  }
  return sum / static_cast<double>(tokens);
}

StreamLoss whole_stream_loss(runtime::Gpt2Model& model, runtime::ParameterStorage& storage,
                             const runtime::TokenStream& stream, int T, int micro, const std::string& what) {
  const auto n = static_cast<std::int64_t>(stream.tokens.size());
  if (n < 2) throw ConfigError(what + ": " + std::to_string(n) + " token(s); evaluation needs at least 2");
  const std::int64_t predicted = n - 1;
  const std::int64_t full = predicted / T;
  const int tail = static_cast<int>(predicted - full * T);
  StreamLoss result;
  double sum = 0;
  // Windows [w*T, w*T + len] predict tokens w*T+1 .. w*T+len.
  auto run = [&](std::int64_t first_window, int windows, int len) {
    std::vector<std::int32_t> tokens(static_cast<std::size_t>(windows) * len);
    std::vector<std::int32_t> targets(tokens.size());
    for (int b = 0; b < windows; ++b) {
      const std::int64_t start = (first_window + b) * T;
      for (int t = 0; t < len; ++t) {
        tokens[static_cast<std::size_t>(b) * len + t] = stream.tokens[static_cast<std::size_t>(start + t)];
        targets[static_cast<std::size_t>(b) * len + t] = stream.tokens[static_cast<std::size_t>(start + t + 1)];
      }
    }
    sum += model.forward(storage, tokens.data(), targets.data(), windows, len);
    result.tokens += static_cast<std::int64_t>(windows) * len;
    result.windows += windows;
  };
  for (std::int64_t w = 0; w < full; w += micro) run(w, static_cast<int>(std::min<std::int64_t>(micro, full - w)), T);
  if (tail > 0) run(full, 1, tail);
  result.loss = sum / static_cast<double>(result.tokens);
  return result;
}

std::string sample_text(runtime::Gpt2Model& model, runtime::ParameterStorage& storage, int max_new,
                        std::uint64_t seed) {
  runtime::Rng rng(seed + 17);
  const std::vector<std::int32_t> out = runtime::sample_continue(model, storage, {'\n'}, max_new, 0.8, rng);
  std::string text;
  for (const std::int32_t t : out) {
    if (model.spec().vocab_size > 256) {
      text += std::to_string(t) + " ";
      continue;
    }
    const auto c = static_cast<unsigned char>(t);
    text.push_back(c == '\n' || c == '\t' || (c >= 32 && c < 127) || c >= 128 ? static_cast<char>(c) : '?');
  }
  return text;
}

}  // namespace zl::train
