// Greedy and sampled generation (zl/runtime/generate.h).
#include "zl/runtime/generate.h"

#include <algorithm>
#include <cmath>

#include "zl/base/check.h"

namespace zl::runtime {

std::vector<std::vector<std::int32_t>> greedy_continue(Gpt2Model& model, ParameterStorage& storage,
                                                       const std::vector<std::vector<std::int32_t>>& prompts,
                                                       int max_new) {
  const int B = static_cast<int>(prompts.size());
  std::vector<std::vector<std::int32_t>> seqs = prompts;
  std::vector<std::vector<std::int32_t>> out(prompts.size());
  if (B == 0) return out;
  const int V = model.spec().vocab_size;
  for (int step = 0; step < max_new; ++step) {
    const int len = static_cast<int>(seqs[0].size());
    const int T = std::min(len, model.spec().block_size);
    std::vector<std::int32_t> tokens(static_cast<std::size_t>(B) * T);
    for (int b = 0; b < B; ++b) {
      ZL_CHECK(static_cast<int>(seqs[b].size()) == len, "greedy_continue needs prompts of equal length");
      std::copy(seqs[b].end() - T, seqs[b].end(), tokens.begin() + static_cast<std::ptrdiff_t>(b) * T);
    }
    model.forward(storage, tokens.data(), nullptr, B, T);
    const Tensor logits = model.logits().on_host();
    for (int b = 0; b < B; ++b) {
      const float* row = logits.f32() + (static_cast<std::size_t>(b) * T + T - 1) * V;
      const auto next = static_cast<std::int32_t>(std::max_element(row, row + V) - row);
      seqs[b].push_back(next);
      out[b].push_back(next);
    }
  }
  return out;
}

std::vector<std::int32_t> sample_continue(Gpt2Model& model, ParameterStorage& storage,
                                          const std::vector<std::int32_t>& prompt, int max_new, double temperature,
                                          Rng& rng) {
  ZL_CHECK(!prompt.empty() && temperature > 0, "sampling needs a prompt and a positive temperature");
  std::vector<std::int32_t> seq = prompt;
  std::vector<std::int32_t> out;
  const int V = model.spec().vocab_size;
  std::vector<double> p(static_cast<std::size_t>(V));
  for (int step = 0; step < max_new; ++step) {
    const int T = std::min(static_cast<int>(seq.size()), model.spec().block_size);
    model.forward(storage, seq.data() + (seq.size() - static_cast<std::size_t>(T)), nullptr, 1, T);
    const Tensor logits = model.logits().on_host();
    const float* row = logits.f32() + static_cast<std::size_t>(T - 1) * V;
    const float mx = *std::max_element(row, row + V);
    double sum = 0;
    for (int v = 0; v < V; ++v) sum += (p[v] = std::exp((row[v] - mx) / temperature));
    double u = rng.uniform() * sum;
    std::int32_t next = V - 1;
    for (int v = 0; v < V; ++v) {
      if ((u -= p[v]) < 0) {
        next = v;
        break;
      }
    }
    seq.push_back(next);
    out.push_back(next);
  }
  return out;
}

}  // namespace zl::runtime
