// Named GPT-2 sizes, parsing of --model values and the exact parameter count.
#include "zl/config/model_spec.h"

#include <sstream>

#include "zl/base/error.h"

namespace zl::config {

std::int64_t ModelSpec::parameter_count() const {
  std::int64_t total = 0;
  for (const std::int64_t n : layer_parameter_counts()) total += n;
  return total;
}

std::vector<std::int64_t> ModelSpec::layer_parameter_counts() const {
  const std::int64_t c = n_embd;
  std::vector<std::int64_t> counts;
  counts.push_back(static_cast<std::int64_t>(vocab_size) * c + static_cast<std::int64_t>(block_size) * c);
  // ln_1 (2c) + attn c_attn (3c*c + 3c) + attn c_proj (c*c + c) + ln_2 (2c) + mlp c_fc (4c*c + 4c)
  // + mlp c_proj (4c*c + c) = 12c^2 + 13c
  for (int i = 0; i < n_layer; ++i) counts.push_back(12 * c * c + 13 * c);
  counts.push_back(2 * c);  // ln_f
  return counts;
}

std::string ModelSpec::dimensions() const {
  std::ostringstream os;
  os << n_layer << ',' << n_head << ',' << n_embd << ',' << block_size << ',' << vocab_size;
  return os.str();
}

std::string ModelSpec::label() const { return name == "custom" ? dimensions() : name; }

const std::vector<ModelSpec>& named_models() {
  static const std::vector<ModelSpec> models = {
      {"tiny", 2, 2, 64, 64, 256},
      {"small", 4, 4, 128, 128, 256},
      {"gpt2", 12, 12, 768, 1024, 50257},
  };
  return models;
}

ModelSpec parse_model_spec(const std::string& text, const std::string& what) {
  for (const auto& model : named_models()) {
    if (model.name == text) return model;
  }
  ModelSpec spec;
  spec.name = "custom";
  std::istringstream in(text);
  std::string field;
  std::vector<long long> values;
  while (std::getline(in, field, ',')) {
    try {
      std::size_t used = 0;
      const long long v = std::stoll(field, &used);
      if (used != field.size() || v <= 0) throw std::invalid_argument(field);
      values.push_back(v);
    } catch (const std::exception&) {
      values.clear();
      break;
    }
  }
  if (values.size() != 5) {
    std::string names;
    for (const auto& model : named_models()) names += model.name + ", ";
    throw ConfigError(what + " '" + text + "': expected a model name (" + names +
                      "or explicit dimensions) or L,H,C,T,V = layers,heads,width,context,vocab, e.g. 4,4,128,128,256");
  }
  // Bounds far beyond any model trained here, that keep every size in int and every element count of a
  // tensor in int64 (values past 2^31 used to wrap: 2147483648 layers trained a model of none).
  struct Limit {
    const char* name;
    long long max;
  };
  static constexpr Limit kLimits[] = {
      {"layers", 1 << 16}, {"heads", 1 << 16}, {"width", 1 << 20}, {"context", 1 << 20}, {"vocab", 1 << 24}};
  for (std::size_t i = 0; i < 5; ++i) {
    if (values[i] > kLimits[i].max) {
      throw ConfigError(what + " '" + text + "': " + kLimits[i].name + " " + std::to_string(values[i]) +
                        " is past the largest supported, " + std::to_string(kLimits[i].max));
    }
  }
  spec.n_layer = static_cast<int>(values[0]);
  spec.n_head = static_cast<int>(values[1]);
  spec.n_embd = static_cast<int>(values[2]);
  spec.block_size = static_cast<int>(values[3]);
  spec.vocab_size = static_cast<int>(values[4]);
  if (spec.n_embd % spec.n_head != 0) {
    throw ConfigError(what + " '" + text + "': the width " + std::to_string(spec.n_embd) +
                      " must be divisible by the number of heads " + std::to_string(spec.n_head));
  }
  return spec;
}

}  // namespace zl::config
