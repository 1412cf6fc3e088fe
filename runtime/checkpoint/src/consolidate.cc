// Streaming consolidation into Hugging Face GPT-2 safetensors (zl/checkpoint/consolidate.h).
#include "zl/checkpoint/consolidate.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/checkpoint/checkpoint_reader.h"
#include "zl/checkpoint/file_io.h"
#include "zl/kernels/cast.h"

namespace zl::checkpoint {
namespace fs = std::filesystem;

namespace {

// HF's Conv1D weights: the 2-D parameters of the blocks (as runtime/src/gpt2_checkpoint.cc reads them).
bool is_conv1d_weight(const TensorRecord& t) { return t.name.rfind("h.", 0) == 0 && t.shape.size() == 2; }

runtime::Shape hf_shape(const TensorRecord& t) {
  return is_conv1d_weight(t) ? runtime::Shape{t.shape[1], t.shape[0]} : t.shape;
}

const char* safetensors_dtype(runtime::DType d) {
  switch (d) {
    case runtime::DType::kF32:
      return "F32";
    case runtime::DType::kBF16:
      return "BF16";
    case runtime::DType::kF16:
      return "F16";
  }
  return "F32";
}

const char* torch_dtype(runtime::DType d) {
  switch (d) {
    case runtime::DType::kF32:
      return "float32";
    case runtime::DType::kBF16:
      return "bfloat16";
    case runtime::DType::kF16:
      return "float16";
  }
  return "float32";
}

nlohmann::json gpt2_config(const config::ModelSpec& m, runtime::DType dtype) {
  return {{"architectures", {"GPT2LMHeadModel"}},
          {"model_type", "gpt2"},
          {"vocab_size", m.vocab_size},
          {"n_positions", m.block_size},
          {"n_ctx", m.block_size},
          {"n_embd", m.n_embd},
          {"n_layer", m.n_layer},
          {"n_head", m.n_head},
          {"n_inner", nullptr},
          {"activation_function", "gelu_new"},  // the runtime's tanh-form GELU
          {"layer_norm_epsilon", 1e-5},
          {"resid_pdrop", 0.0},
          {"embd_pdrop", 0.0},
          {"attn_pdrop", 0.0},
          {"initializer_range", 0.02},
          {"scale_attn_weights", true},
          {"tie_word_embeddings", true},
          {"bos_token_id", m.vocab_size - 1},
          {"eos_token_id", m.vocab_size - 1},
          {"torch_dtype", torch_dtype(dtype)}};
}

}  // namespace

ConsolidateResult consolidate_checkpoint(const std::string& checkpoint, const std::string& out, runtime::DType dtype) {
  CheckpointReader reader(resolve_checkpoint(checkpoint, "zlaunch checkpoint consolidate"));
  const Manifest& m = reader.manifest();
  const std::size_t element = runtime::dtype_size(dtype);

  // The header first: every shape is known from the manifest.
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const TensorRecord& t : m.tensors) {
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * element;
    header["transformer." + t.name] = {
        {"dtype", safetensors_dtype(dtype)}, {"shape", hf_shape(t)}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {
      {"format", "pt"}, {"zlaunch_step", std::to_string(m.step)}, {"zlaunch_source", reader.directory()}};
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text.push_back(' ');  // align the data section, as HF's writer does

  ConsolidateResult result;
  result.safetensors_path = out;
  const std::string tmp = out + ".tmp";
  {
    ChecksummedFileWriter writer(tmp);
    const std::uint64_t header_size = text.size();
    unsigned char size_le[8];
    for (int i = 0; i < 8; ++i) size_le[i] = static_cast<unsigned char>(header_size >> (8 * i));
    writer.write(size_le, 8);
    writer.write(text.data(), text.size());
    std::vector<float> values, transposed;
    std::vector<std::uint16_t> half;
    for (const TensorRecord& t : m.tensors) {
      values.resize(static_cast<std::size_t>(t.numel()));
      reader.read_tensor(t, kMasterKind, 0, t.numel(), values.data());
      if (is_conv1d_weight(t)) {
        const std::int64_t rows = t.shape[0], cols = t.shape[1];
        transposed.resize(values.size());
        for (std::int64_t r = 0; r < rows; ++r) {
          for (std::int64_t c = 0; c < cols; ++c)
            transposed[static_cast<std::size_t>(c * rows + r)] = values[static_cast<std::size_t>(r * cols + c)];
        }
        values.swap(transposed);
      }
      if (dtype == runtime::DType::kF32) {
        writer.write(values.data(), values.size() * sizeof(float));
      } else {
        half.resize(values.size());
        if (dtype == runtime::DType::kBF16) {
          kernels::cpu::cast_fp32_to_bf16(values.data(), half.data(), values.size());
        } else {
          kernels::cpu::cast_fp32_to_fp16(values.data(), half.data(), values.size());
        }
        writer.write(half.data(), half.size() * sizeof(std::uint16_t));
      }
      ++result.tensors;
    }
    writer.sync_and_close();
    result.bytes = writer.bytes();
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) throw SystemError("cannot rename " + tmp + " to " + out, errno);
  const fs::path parent = fs::absolute(out).parent_path();
  result.config_path = (parent / "config.json").string();
  write_file_atomically(result.config_path, gpt2_config(m.model, dtype).dump(2) + "\n");
  fsync_directory(parent.string());
  return result;
}

}  // namespace zl::checkpoint
