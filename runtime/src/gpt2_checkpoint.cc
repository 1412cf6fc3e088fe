// Hugging Face GPT-2 safetensors <-> Gpt2Model layers (zl/runtime/gpt2_checkpoint.h).
#include "zl/runtime/gpt2_checkpoint.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/runtime/safetensors.h"

namespace zl::runtime {
namespace {

// Conv1D weights of a block: 2-D parameters other than the embeddings.
bool is_conv1d_weight(const std::string& layer_name, const ParameterSpec& spec) {
  return layer_name.rfind("h.", 0) == 0 && spec.shape.size() == 2;
}

void transpose(const float* in, float* out, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) out[c * rows + r] = in[r * cols + c];
  }
}

// A config.json value that must agree with the shapes (absent keys agree).
void check_agrees(const nlohmann::json& hf, const char* key, int from_shapes, const std::string& path,
                  const std::string& config_path) {
  if (!hf.contains(key)) return;
  if (!hf[key].is_number_integer() || hf[key].get<int>() != from_shapes) {
    throw ConfigError(config_path + ": " + key + " = " + hf[key].dump() + " contradicts the tensors of " + path + " (" +
                      std::to_string(from_shapes) + ")");
  }
}

}  // namespace

config::ModelSpec gpt2_architecture_of(const std::string& path) {
  const SafetensorsFile file = SafetensorsFile::read(path);
  const std::string prefix = file.find("transformer.wte.weight") != nullptr ? "transformer." : "";
  const SafetensorsEntry* wte = file.find(prefix + "wte.weight");
  const SafetensorsEntry* wpe = file.find(prefix + "wpe.weight");
  if (wte == nullptr || wpe == nullptr || wte->shape.size() != 2 || wpe->shape.size() != 2 ||
      wte->shape[1] != wpe->shape[1]) {
    throw ConfigError(path +
                      ": not a GPT-2 checkpoint (expected wte.weight [vocab, width] and wpe.weight "
                      "[context, width], Hugging Face names)");
  }
  config::ModelSpec spec;
  spec.name = "custom";
  spec.vocab_size = static_cast<int>(wte->shape[0]);
  spec.n_embd = static_cast<int>(wte->shape[1]);
  spec.block_size = static_cast<int>(wpe->shape[0]);
  while (file.find(prefix + "h." + std::to_string(spec.n_layer) + ".ln_1.weight") != nullptr) ++spec.n_layer;
  if (spec.n_layer == 0) throw ConfigError(path + ": no transformer blocks (h.0.ln_1.weight is missing)");
  const std::filesystem::path config_path = std::filesystem::path(path).parent_path() / "config.json";
  std::ifstream in(config_path);
  if (in) {
    nlohmann::json hf;
    try {
      hf = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError(config_path.string() + ": not JSON (" + e.what() + ")");
    }
    check_agrees(hf, "n_layer", spec.n_layer, path, config_path.string());
    check_agrees(hf, "n_embd", spec.n_embd, path, config_path.string());
    check_agrees(hf, "vocab_size", spec.vocab_size, path, config_path.string());
    check_agrees(hf, "n_positions", spec.block_size, path, config_path.string());
    if (hf.contains("n_head") && hf["n_head"].is_number_integer()) spec.n_head = hf["n_head"].get<int>();
    if (spec.n_head <= 0 || spec.n_embd % spec.n_head != 0) {
      throw ConfigError(config_path.string() + ": n_head must be a positive divisor of the width " +
                        std::to_string(spec.n_embd));
    }
  }
  return spec;
}

void load_gpt2_safetensors(const Gpt2Model& model, ParameterStorage& storage, const std::string& path) {
  const SafetensorsFile file = SafetensorsFile::read(path);
  const std::string prefix = file.find("transformer.wte.weight") != nullptr ? "transformer." : "";
  const std::string hint = " (the model is --model " + model.spec().dimensions() +
                           " = layers,heads,width,context,vocab; pass the dimensions of the checkpoint)";
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    const Tensor flat = storage.acquire(i);
    // Written on the host; copied to the device at the end of the layer when the storage is there.
    const Tensor host = flat.device() == Device::kCpu
                            ? flat
                            : Tensor::empty(flat.shape(), DType::kF32, MemoryKind::kBuffers, Device::kCpu);
    for (std::size_t j = 0; j < layer.parameters().size(); ++j) {
      const ParameterSpec& spec = layer.parameters()[j];
      const std::string name = prefix + layer.name() + spec.name;
      const SafetensorsEntry* e = file.find(name);
      if (e == nullptr) throw ConfigError(path + ": tensor '" + name + "' is missing" + hint);
      Shape expected = spec.shape;
      const bool conv = is_conv1d_weight(layer.name(), spec);
      if (conv) expected = {spec.shape[1], spec.shape[0]};
      const bool wpe = spec.name == "wpe.weight";
      const bool fits =
          wpe ? e->shape.size() == 2 && e->shape[1] == expected[1] && e->shape[0] >= expected[0] : e->shape == expected;
      if (!fits) {
        throw ConfigError(path + ": tensor '" + name + "' has shape " + shape_string(e->shape) + ", the model needs " +
                          shape_string(expected) + hint);
      }
      const std::vector<float> values = file.to_f32(name);
      const Tensor dst = layer.parameter(host, j);
      if (conv) {
        transpose(values.data(), dst.f32(), expected[0], expected[1]);
      } else {
        std::memcpy(dst.f32(), values.data(), static_cast<std::size_t>(dst.numel()) * sizeof(float));
      }
    }
    if (!host.shares_storage_with(flat)) flat.copy_from(host);
    storage.release(i);
  }
  const std::int64_t blocks = model.spec().n_layer;
  if (file.find(prefix + "h." + std::to_string(blocks) + ".ln_1.weight") != nullptr) {
    throw ConfigError(path + ": the file has more than " + std::to_string(blocks) + " blocks" + hint);
  }
}

void save_gpt2_safetensors(const Gpt2Model& model, ParameterStorage& storage, const std::string& path) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    const Tensor flat = storage.acquire(i).on_host();
    for (std::size_t j = 0; j < layer.parameters().size(); ++j) {
      const ParameterSpec& spec = layer.parameters()[j];
      const Tensor src = layer.parameter(flat, j);
      Tensor copy;
      if (is_conv1d_weight(layer.name(), spec)) {
        copy = Tensor::empty({spec.shape[1], spec.shape[0]}, DType::kF32, MemoryKind::kBuffers);
        transpose(src.f32(), copy.f32(), spec.shape[0], spec.shape[1]);
      } else {
        copy = Tensor::empty(spec.shape, DType::kF32, MemoryKind::kBuffers);
        copy.copy_from(src);
      }
      tensors.emplace_back("transformer." + layer.name() + spec.name, copy);
    }
    storage.release(i);
  }
  write_safetensors(path, tensors, {{"format", "pt"}});
}

}  // namespace zl::runtime
