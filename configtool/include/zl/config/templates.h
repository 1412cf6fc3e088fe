// The config templates shipped with zlaunch (templates/ in the source tree), compiled into the library:
// deepspeed/zero{0,1,2,2_offload,3,3_offload}.json and launch/{single_machine,multi_machine,mpi,slurm}.yaml.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zl::config {

struct EmbeddedTemplate {
  std::string_view name;     // path under templates/, e.g. "deepspeed/zero2.json"
  std::string_view content;  // the file's bytes
};

const std::vector<EmbeddedTemplate>& embedded_templates();

// The content of "deepspeed/<name>.json" for a short name such as "zero3", or of a full template
// path. Throws zl::ConfigError listing the available names when there is none.
std::string template_text(const std::string& name);

// Short names of the DeepSpeed templates ("zero0", ..., "zero3_offload").
std::vector<std::string> deepspeed_template_names();

}  // namespace zl::config
