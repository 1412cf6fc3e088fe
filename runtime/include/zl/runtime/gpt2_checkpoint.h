// Hugging Face GPT-2 weights in and out of a Gpt2Model's layers.
//
// Names: transformer.wte.weight, transformer.wpe.weight, transformer.h.N.{ln_1, attn.c_attn, attn.c_proj,
// ln_2, mlp.c_fc, mlp.c_proj}.{weight, bias}, transformer.ln_f.{weight, bias}; the "transformer." prefix
// is optional when reading; lm_head.weight (the tied copy) and attention-mask buffers (attn.bias,
// attn.masked_bias) are ignored. HF's Conv1D weights are stored [in, out], i.e. transposed with respect
// to our [out, in] layout: they are transposed on load and on save. A wpe with more rows than the
// model's context keeps its first block_size rows.
#pragma once

#include <string>

#include "zl/config/model_spec.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::runtime {

// The architecture of a GPT-2 safetensors file: layers, width, context and vocabulary from its tensor
// shapes (wte [V, C], wpe [T, C], h.0 ... h.{L-1}), and the number of heads from a Hugging Face
// config.json in the same directory when there is one (n_head = 0 when there is none: shapes cannot
// tell it). name is "custom". Throws zl::ConfigError naming the file when it is not a GPT-2 file, or
// when config.json contradicts its shapes.
config::ModelSpec gpt2_architecture_of(const std::string& path);

// Fills every layer's parameters in `storage` from the file; throws zl::ConfigError naming the file and
// the tensor when one is missing or its shape does not fit the model (with the --model hint).
void load_gpt2_safetensors(const Gpt2Model& model, ParameterStorage& storage, const std::string& path);

// Writes the model in Hugging Face layout and names (with the "transformer." prefix), fp32.
void save_gpt2_safetensors(const Gpt2Model& model, ParameterStorage& storage, const std::string& path);

}  // namespace zl::runtime
