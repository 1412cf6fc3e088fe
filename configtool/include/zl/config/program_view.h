// ProgramView (resolved_config.h) from the merged layers: what a launched Accelerate or DeepSpeed
// program reads besides zlaunch's own resolved settings.
#pragma once

#include <vector>

#include "zl/config/config_layer.h"
#include "zl/config/resolved_config.h"

namespace zl::config {

// `layers` lowest precedence first; `merged_deepspeed` is every layer's DeepSpeed keys merged by
// precedence, before "auto" is resolved. The program's DeepSpeed document is the highest-precedence
// DeepSpeed file as written, with each merged value that came from elsewhere (a flag, ZLAUNCH_*, a
// YAML) written over it; an "auto" that only zlaunch resolves stays "auto" for the program (HF
// Trainer and Accelerate fill those from the program's own arguments and model).
ProgramView build_program_view(const std::vector<ConfigLayer>& layers, const FlatConfig& merged_deepspeed);

}  // namespace zl::config
