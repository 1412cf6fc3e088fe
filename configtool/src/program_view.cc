// build_program_view (program_view.h).
#include "zl/config/program_view.h"

#include <string>

namespace zl::config {
namespace {

using nlohmann::json;

// Writes `value` at the dotted `path` of `document`, creating the objects on the way.
void set_dotted(json& document, const std::string& path, const json& value) {
  json* cursor = &document;
  std::size_t start = 0;
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
    json& next = (*cursor)[path.substr(start, dot - start)];
    if (!next.is_object()) next = json::object();
    cursor = &next;
    start = dot + 1;
  }
  (*cursor)[path.substr(start)] = value;
}

AccelerateFacts accelerate_facts(const std::vector<ConfigLayer>& layers) {
  json merged = json::object();
  for (const auto& layer : layers) {
    for (const auto& [key, value] : layer.accelerate.items()) merged[key] = value;
  }
  AccelerateFacts facts;
  facts.distributed_type = merged.value("distributed_type", facts.distributed_type);
  facts.use_cpu = merged.value("use_cpu", facts.use_cpu);
  facts.deepspeed_config_fields = merged.value("deepspeed_config_fields", facts.deepspeed_config_fields);
  facts.zero3_init_flag = merged.value("zero3_init_flag", facts.zero3_init_flag);
  facts.debug = merged.value("debug", facts.debug);
  facts.gpu_ids = merged.value("gpu_ids", facts.gpu_ids);
  facts.num_cpu_threads_per_process = merged.value("num_cpu_threads_per_process", facts.num_cpu_threads_per_process);
  facts.enable_cpu_affinity = merged.value("enable_cpu_affinity", facts.enable_cpu_affinity);
  return facts;
}

}  // namespace

ProgramView build_program_view(const std::vector<ConfigLayer>& layers, const FlatConfig& merged_deepspeed) {
  ProgramView view;
  view.accelerate = accelerate_facts(layers);
  const ConfigLayer* file_layer = nullptr;
  for (const auto& layer : layers) {
    if (!layer.deepspeed_file.empty()) file_layer = &layer;
  }
  if (file_layer == nullptr) return view;
  view.deepspeed_document = file_layer->deepspeed_file_document;
  const std::string file_source = "file " + file_layer->deepspeed_file;
  for (const auto& [key, sourced] : merged_deepspeed) {
    if (sourced.source.rfind(file_source, 0) == 0 || sourced.value == "auto") continue;
    set_dotted(view.deepspeed_document, key, sourced.value);
  }
  return view;
}

}  // namespace zl::config
