// resolve(): gather the layers in precedence order, merge them key by key with provenance, then build
// and check the ResolvedConfig (config_builder.cc). See resolve.h for the contract.
#include "zl/config/resolve.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "zl/config/config_builder.h"
#include "zl/config/config_files.h"
#include "zl/config/config_problems.h"
#include "zl/config/program_view.h"

namespace zl::config {
namespace {

namespace fs = std::filesystem;

const char* const kBatchKeys[] = {"train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"};

bool has_batch_key(const ConfigLayer& layer) {
  for (const char* key : kBatchKeys) {
    if (layer.deepspeed.count(key) != 0) return true;
  }
  return false;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Layers lowest precedence first.
std::vector<ConfigLayer> gather_layers(const ResolveRequest& request, Problems& problems) {
  std::vector<ConfigLayer> layers;
  const fs::path cwd = request.working_directory.empty() ? fs::current_path() : fs::path(request.working_directory);
  if (request.read_default_files) {
    std::string home = request.home_directory;
    if (home.empty()) {
      const char* env_home = std::getenv("HOME");
      home = env_home != nullptr ? env_home : "";
    }
    // Accelerate reads its default config only when no --config_file is given (it never merges the
    // two), so zlaunch does the same; zlaunch's own default files sit above it.
    const std::string accelerate_default = accelerate_default_config_path(home);
    if (request.config_file.empty() && !accelerate_default.empty() && fs::exists(accelerate_default)) {
      layers.push_back(load_config_file(accelerate_default, cwd.string(), problems));
    }
    if (!home.empty()) {
      const fs::path user_default = fs::path(home) / ".config" / "zlaunch" / "default.yaml";
      if (fs::exists(user_default)) layers.push_back(load_config_file(user_default.string(), cwd.string(), problems));
    }
    const fs::path local = cwd / "zlaunch.yaml";
    if (fs::exists(local))
      layers.push_back(load_config_file(local.lexically_normal().string(), cwd.string(), problems));
  }
  if (!request.config_file.empty()) {
    fs::path file(request.config_file);
    if (file.is_relative() && !request.working_directory.empty()) file = cwd / file;
    std::error_code ec;
    const fs::file_status status = fs::status(file, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      problems.error("flag --config_file", "'" + file.string() + "' cannot be read (" + ec.message() + ")");
    } else if (fs::is_directory(status)) {
      problems.error("flag --config_file",
                     "'" + file.string() + "' is a directory; give the path of a launch YAML or a DeepSpeed JSON");
    } else if (!fs::exists(status)) {
      problems.error("flag --config_file",
                     "'" + file.string() + "' does not exist; give the path of a launch YAML or a DeepSpeed JSON");
    } else {
      layers.push_back(load_config_file(file.string(), cwd.string(), problems));
    }
  }
  if (request.read_environment) {
    std::map<std::string, std::string> values;
    for (const auto& key : string_layer_keys()) {
      const char* value = std::getenv(("ZLAUNCH_" + upper(key)).c_str());
      if (value != nullptr && *value != '\0') values[key] = value;
    }
    ConfigLayer env = load_string_layer(
        values, [](const std::string& key) { return "env ZLAUNCH_" + upper(key); }, cwd.string(), problems);
    env.name = "environment";
    layers.push_back(std::move(env));
  }
  ConfigLayer flags = load_string_layer(
      request.flags, [](const std::string& key) { return "flag --" + key; }, cwd.string(), problems);
  flags.name = "flags";
  layers.push_back(std::move(flags));
  return layers;
}

}  // namespace

ResolvedConfig resolve(const ResolveRequest& request) {
  Problems problems;
  const std::vector<ConfigLayer> layers = gather_layers(request, problems);

  MergedConfig merged;
  // The three batch keys come as a group from the highest layer that sets any of them: mixing a
  // train_batch_size from one file with a micro batch from another would satisfy neither author.
  const ConfigLayer* batch_layer = nullptr;
  // A flag or ZLAUNCH_* variable is one key, not a batch group: it overrides that key alone, and the
  // batch triangle then reports what it contradicts.
  auto is_string_layer = [](const ConfigLayer& layer) { return layer.name == "flags" || layer.name == "environment"; };
  for (const auto& layer : layers) {
    if (has_batch_key(layer) && !is_string_layer(layer)) batch_layer = &layer;
    merged.has_deepspeed_document = merged.has_deepspeed_document || layer.has_deepspeed_document;
    for (const auto& [key, value] : layer.launch) merged.launch[key] = value;
    for (const auto& [key, value] : layer.deepspeed) {
      if (std::find(std::begin(kBatchKeys), std::end(kBatchKeys), key) == std::end(kBatchKeys))
        merged.deepspeed[key] = value;
    }
  }
  if (batch_layer != nullptr) {
    for (const char* key : kBatchKeys) {
      const auto it = batch_layer->deepspeed.find(key);
      if (it != batch_layer->deepspeed.end()) merged.deepspeed[key] = it->second;
    }
    merged.batch_from_document = batch_layer->has_deepspeed_document;
  } else {
    merged.batch_from_document = merged.has_deepspeed_document;
  }
  for (const auto& layer : layers) {
    if (!is_string_layer(layer)) continue;
    for (const char* key : kBatchKeys) {
      const auto it = layer.deepspeed.find(key);
      if (it != layer.deepspeed.end()) merged.deepspeed[key] = it->second;
    }
  }

  merged.documents_have_errors = problems.has_errors();
  ResolvedConfig config;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    config.files_used.insert(config.files_used.end(), it->files.begin(), it->files.end());
  }
  build_resolved_config(merged, request.model, config, problems);
  config.program = build_program_view(layers, merged.deepspeed);
  problems.throw_if_errors();
  config.warnings = problems.warnings();
  return config;
}

}  // namespace zl::config
