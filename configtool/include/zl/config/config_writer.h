// Writing a config pair (launch YAML + DeepSpeed JSON) for `zlaunch config default`, `--template` and
// the wizard: the YAML names the JSON by a path relative to itself, both are checked by resolve()
// before the command reports success.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "zl/config/resolved_config.h"

namespace zl::config {

struct WrittenConfig {
  std::string launch_path;
  std::string deepspeed_path;
};

// The launch YAML text for `launch`, naming `deepspeed_file` (relative to the YAML's folder).
std::string launch_yaml_text(const LaunchSettings& launch, const std::string& deepspeed_file);

// Writes <directory>/<yaml_name> and <directory>/ds_config.json (creating the directory). Refuses to
// replace existing files unless `overwrite` (zl::UsageError naming them).
WrittenConfig write_config_pair(const std::string& directory, const std::string& yaml_name,
                                const LaunchSettings& launch, const nlohmann::json& deepspeed, bool overwrite);

// Resolves the written pair alone (no environment, no other files) and returns it; throws ConfigError
// if it is invalid.
ResolvedConfig check_written_config(const WrittenConfig& written);

}  // namespace zl::config
