// ConfigLayer: what one precedence layer (a file, the environment, the command line, the built-in
// defaults) says, flattened to dotted key paths so layers merge key by key and every value keeps its
// source. Launch keys ("num_processes", "metrics.port") and DeepSpeed keys
// ("zero_optimization.stage", "optimizer.params.lr") are kept apart because they are two documents.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zl::config {

struct SourcedValue {
  nlohmann::json value;  // already type-checked and normalized (integral floats are integers); may be "auto"
  std::string source;    // "flag --x", "env ZLAUNCH_X", "file <path>", "default"
};

using FlatConfig = std::map<std::string, SourcedValue>;

struct ConfigLayer {
  std::string name;  // for messages: "file ./zlaunch.yaml", "env", "flags"
  FlatConfig launch;
  FlatConfig deepspeed;
  // True when the layer holds a DeepSpeed document (a JSON file, an inline DeepSpeed mapping), as
  // opposed to only Accelerate plugin keys (zero_stage, offload_*_device, ...): with a document,
  // DeepSpeed's own defaults and batch rules apply; without one, the bundled trainer's.
  bool has_deepspeed_document = false;
  std::vector<std::string> files;  // files this layer read (the YAML and the JSON it names)
  // The DeepSpeed JSON file this layer read, whole and as written ("auto" and keys zlaunch does not
  // use included): the base of the document the launched program reads (ProgramView).
  std::string deepspeed_file;
  nlohmann::json deepspeed_file_document;
  // Accelerate YAML facts that only an Accelerate program reads (AccelerateFacts in
  // resolved_config.h), by field name; merged key by key like the rest.
  nlohmann::json accelerate = nlohmann::json::object();
};

}  // namespace zl::config
