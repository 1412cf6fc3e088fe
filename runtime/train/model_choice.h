// Which model `train` trains: --model when given, else the architecture of --init_from's file, else the
// config's model (launch.model). With --init_from the file decides the architecture: a --model that
// contradicts the file's shapes (or its config.json) is refused by name, never silently reshaped.
#pragma once

#include <string>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"

namespace zl::train {

struct ModelChoice {
  config::ModelSpec spec;
  std::string source;  // e.g. "--model", "--init_from gpt2.safetensors", "launch.model (file zlaunch.yaml)"
};

// Throws zl::ConfigError naming --model, --init_from or launch.model and what would fix it.
ModelChoice choose_model(const std::string& model_flag, const std::string& init_from,
                         const config::ResolvedConfig& config);

}  // namespace zl::train
