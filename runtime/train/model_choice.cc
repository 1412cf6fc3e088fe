// The model `train` trains (model_choice.h).
#include "model_choice.h"

#include "zl/base/error.h"
#include "zl/runtime/gpt2_checkpoint.h"

namespace zl::train {
namespace {

// --model against the file: layers, width and vocabulary must be the file's, heads too when the file's
// config.json names them; the context may be shorter (the first rows of wpe are used).
void require_fits(const config::ModelSpec& asked, const config::ModelSpec& file, const std::string& model_flag,
                  const std::string& path) {
  const bool fits = asked.n_layer == file.n_layer && asked.n_embd == file.n_embd &&
                    asked.vocab_size == file.vocab_size && asked.block_size <= file.block_size &&
                    (file.n_head == 0 || asked.n_head == file.n_head);
  if (fits) return;
  const std::string heads = file.n_head == 0 ? "H" : std::to_string(file.n_head);
  throw ConfigError("--model " + model_flag + " (" + asked.dimensions() + ") contradicts --init_from " + path +
                    ", whose tensors are " + std::to_string(file.n_layer) + "," + heads + "," +
                    std::to_string(file.n_embd) + "," + std::to_string(file.block_size) + "," +
                    std::to_string(file.vocab_size) +
                    " (layers,heads,width,context,vocab): drop --model to train the file's architecture");
}

}  // namespace

ModelChoice choose_model(const std::string& model_flag, const std::string& init_from,
                         const config::ResolvedConfig& config) {
  if (init_from.empty()) {
    if (!model_flag.empty()) return {config::parse_model_spec(model_flag, "--model"), "--model"};
    const auto source = config.sources.find("model");
    return {config::parse_model_spec(config.launch.model, "launch.model"),
            "launch.model (" + (source != config.sources.end() ? source->second : std::string("default")) + ")"};
  }
  const config::ModelSpec file = runtime::gpt2_architecture_of(init_from);
  if (!model_flag.empty()) {
    const config::ModelSpec asked = config::parse_model_spec(model_flag, "--model");
    require_fits(asked, file, model_flag, init_from);
    return {asked, "--model (fits --init_from " + init_from + ")"};
  }
  if (file.n_head == 0) {
    throw ConfigError("--init_from " + init_from +
                      ": its tensors give layers, width, context and vocabulary but not the number of attention "
                      "heads, and there is no config.json beside it; put the Hugging Face config.json next to the "
                      "file or pass --model " +
                      std::to_string(file.n_layer) + ",H," + std::to_string(file.n_embd) + "," +
                      std::to_string(file.block_size) + "," + std::to_string(file.vocab_size));
  }
  return {file, "--init_from " + init_from};
}

}  // namespace zl::train
