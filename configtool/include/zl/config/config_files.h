// Loading of the configuration layers: a launch YAML (zlaunch's keys and Accelerate's, with an
// inline `deepspeed_config:` or a `deepspeed_config_file:` relative to the YAML's folder), a DeepSpeed
// JSON given directly, and the string-valued layers of the environment and the command line.
// Problems (syntax, unknown keys, wrong types) are collected, not thrown, so that all are reported.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "zl/config/config_layer.h"
#include "zl/config/config_problems.h"

namespace zl::config {

// A launch YAML or a DeepSpeed JSON, told apart by extension (.json/.conf vs .yaml/.yml) or else by
// content (a leading '{' is JSON). A YAML's deepspeed_config_file is looked up next to the YAML first,
// then (as Accelerate does) relative to `working_directory`.
ConfigLayer load_config_file(const std::string& path, const std::string& working_directory, Problems& problems);

// A DeepSpeed JSON file on its own (named by a flag, the environment or a YAML).
void add_deepspeed_file(ConfigLayer& layer, const std::string& path, Problems& problems);

// Values typed as text (flags, ZLAUNCH_* variables), keyed by launch-key name ("num_processes",
// "metrics_port", "zero_stage", "deepspeed_config_file", "model", ...). `source_of(key)` names where
// a value came from; relative file names are taken from `base_directory`.
ConfigLayer load_string_layer(const std::map<std::string, std::string>& values,
                              const std::function<std::string(const std::string&)>& source_of,
                              const std::string& base_directory, Problems& problems);

// Accelerate's default config, as accelerate/commands/config/config_args.py names it:
// $HF_HOME/accelerate/default_config.yaml, HF_HOME defaulting to $XDG_CACHE_HOME/huggingface and
// XDG_CACHE_HOME to <home>/.cache. "" when neither HF_HOME, XDG_CACHE_HOME nor `home` is known.
std::string accelerate_default_config_path(const std::string& home);

// Every key a launch YAML may hold (dotted below a section): zlaunch's, Accelerate's (those without
// effect too) and the DeepSpeed plugin's under deepspeed_config:, sorted, for tools such as the
// config fuzzer's dictionary (tests/fuzz).
std::vector<std::string> launch_yaml_key_names();

// The launch keys that flags and ZLAUNCH_* variables may set, in a stable order.
const std::vector<std::string>& string_layer_keys();

}  // namespace zl::config
