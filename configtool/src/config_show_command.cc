// `zlaunch config show`: every resolved value with the layer it came from (flag, env, file, default,
// auto rule), or with --json the config.resolved.json that `zlaunch run` would write.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "zl/config/config_files.h"
#include "zl/config/resolve.h"
#include "zl/config/subcommands.h"

namespace zl::config {
namespace {

struct ShowOptions {
  std::string config_file;
  bool json = false;
  std::map<std::string, std::string> flags;
};

void flatten(const nlohmann::json& value, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) flatten(child, prefix.empty() ? key : prefix + "." + key, out);
  } else {
    out.emplace_back(prefix, value.is_string() ? value.get<std::string>() : value.dump());
  }
}

}  // namespace

void add_show_command(CLI::App& config) {
  auto options = std::make_shared<ShowOptions>();
  auto* cmd = config.add_subcommand("show", "Print each resolved value with its source (flag, env, file, default)");
  cmd->add_option("--config_file", options->config_file, "Launch YAML or DeepSpeed JSON (as for zlaunch run)");
  cmd->add_flag("--json", options->json, "Print the resolved config as JSON (config.resolved.json)");
  for (const auto& key : string_layer_keys()) {
    cmd->add_option_function<std::string>(
        "--" + key, [options, key](const std::string& v) { options->flags[key] = v; }, "As for zlaunch run");
  }
  cmd->callback([options] {
    ResolveRequest request;
    request.config_file = options->config_file;
    request.flags = options->flags;
    const ResolvedConfig resolved = resolve(request);
    const nlohmann::json json = to_json(resolved);
    if (options->json) {
      std::cout << json.dump(2) << "\n";
      return;
    }
    std::cout << "files used (highest precedence first):";
    if (resolved.files_used.empty()) std::cout << " none";
    std::cout << "\n";
    const char* home = std::getenv("HOME");
    const std::string accelerate_default = accelerate_default_config_path(home != nullptr ? home : "");
    for (const auto& f : resolved.files_used) {
      std::cout << "  " << f << (f == accelerate_default ? "  (Accelerate's default config)" : "") << "\n";
    }
    std::vector<std::pair<std::string, std::string>> rows;
    flatten(json.at("launch"), "", rows);
    flatten(json.at("training"), "", rows);
    std::size_t width = 0;
    for (const auto& [key, value] : rows) width = std::max(width, key.size() + value.size() + 3);
    for (const auto& [key, value] : rows) {
      const auto source = resolved.sources.find(key);
      std::cout << std::left << std::setw(static_cast<int>(width)) << (key + " = " + value) << "  ["
                << (source != resolved.sources.end() ? source->second : "default") << "]\n";
    }
    for (const auto& w : resolved.warnings) std::cout << "warning: " << w << "\n";
  });
}

}  // namespace zl::config
