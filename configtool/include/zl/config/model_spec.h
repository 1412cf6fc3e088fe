// ModelSpec: the dimensions of a GPT-2 model, by name or explicit. Shared by the runtime (which builds
// the model), estimate-memory (which counts its bytes) and "auto" resolution (bucket sizes from the
// hidden size). The layer structure behind parameter_count() is GPT-2's: token and position
// embeddings, L pre-LayerNorm blocks with biases, a final LayerNorm, and a head tied to the token
// embedding (no parameters of its own).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zl::config {

struct ModelSpec {
  std::string name;  // "tiny", "small", "gpt2", or "custom"
  int n_layer = 0;
  int n_head = 0;
  int n_embd = 0;      // hidden size h
  int block_size = 0;  // context length
  int vocab_size = 0;

  // Exact number of trainable parameters (Psi in the ZeRO paper).
  [[nodiscard]] std::int64_t parameter_count() const;
  // Parameters of each layer in the order the runtime flattens them: embedding (token + position),
  // blocks 0..L-1, final LayerNorm (the tied head owns none).
  [[nodiscard]] std::vector<std::int64_t> layer_parameter_counts() const;
  // "L,H,C,T,V" as accepted by parse_model_spec.
  [[nodiscard]] std::string dimensions() const;
  // How LaunchSettings::model names it: the name, or dimensions() for a custom model.
  [[nodiscard]] std::string label() const;
};

// The named sizes: tiny (tests), small (the default trainer model; the PyTorch anchor's config),
// gpt2 (124M, Hugging Face's "gpt2").
const std::vector<ModelSpec>& named_models();

// "tiny" | "small" | "gpt2" | "L,H,C,T,V" (layers, heads, width, context, vocab). Throws
// zl::ConfigError naming `what` (e.g. "--model") on anything else, or when n_embd % n_head != 0.
ModelSpec parse_model_spec(const std::string& text, const std::string& what);

}  // namespace zl::config
