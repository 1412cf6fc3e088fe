// resolve(): load every configuration layer, merge by precedence with provenance, resolve "auto" and
// validate (DESIGN.md §2). The one entry point the launcher, `zlaunch config show` and the runtime's
// stand-alone mode use, so nothing downstream re-parses user files.
//
// Precedence, highest first: CLI flag > ZLAUNCH_* environment > --config_file > ./zlaunch.yaml >
// ~/.config/zlaunch/default.yaml > Accelerate's default config (only without --config_file, as
// accelerate launch reads it; accelerate_default_config_path()) > built-in default. A flag the user did
// not type is absent from `flags` and never overrides a file.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"

namespace zl::config {

struct ResolveRequest {
  std::string config_file;  // --config_file: a launch YAML or a DeepSpeed JSON ("" = none)
  // Flags the user typed, by their launch-key name without dashes, as typed: "num_processes" -> "4",
  // "mixed_precision" -> "bf16", "main_process_port" -> "0", "metrics_port" -> "9500",
  // "deepspeed_config_file" -> "ds.json", "zero_stage" -> "2".
  std::map<std::string, std::string> flags;
  bool read_environment = true;   // ZLAUNCH_* variables of this process
  std::string working_directory;  // where ./zlaunch.yaml is looked for ("" = current directory)
  std::string home_directory;     // where ~/.config/zlaunch/default.yaml (and, without HF_HOME and
                                  // XDG_CACHE_HOME, ~/.cache/huggingface) is looked for ("" = $HOME)
  // false: ./zlaunch.yaml, ~/.config/zlaunch/default.yaml and Accelerate's default config are not read (`zlaunch config
  // validate` judges the files it is given, nothing else).
  bool read_default_files = true;
  // Hidden size for "auto" bucket sizes; when unset, the launch config's model (or the default
  // trainer model) is used.
  std::optional<ModelSpec> model;
};

// Throws zl::ConfigError listing every problem found (each with its key path and a fix); warnings
// land in ResolvedConfig::warnings.
ResolvedConfig resolve(const ResolveRequest& request);

}  // namespace zl::config
