// Launch YAML (zlaunch and Accelerate key names; the YAML itself is read by yaml_document.h), DeepSpeed
// JSON files, and the flag/environment layers.
#include "zl/config/config_files.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>

#include "yaml_document.h"
#include "zl/base/error.h"
#include "zl/config/deepspeed_schema.h"
#include "zl/config/json_integer.h"
#include "zl/config/lenient_json.h"

namespace zl::config {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

enum class LaunchKind { kInt, kString, kBool, kSection };

// zlaunch's launch keys (DESIGN.md §2) with their types; dotted for the metrics section.
const std::map<std::string, LaunchKind>& launch_keys() {
  static const std::map<std::string, LaunchKind> keys = {
      {"compute_environment", LaunchKind::kString},
      {"num_machines", LaunchKind::kInt},
      {"machine_rank", LaunchKind::kInt},
      {"num_processes", LaunchKind::kInt},
      {"main_process_ip", LaunchKind::kString},
      {"main_process_port", LaunchKind::kInt},
      {"launcher", LaunchKind::kString},
      {"hostfile", LaunchKind::kString},
      {"device", LaunchKind::kString},
      {"mixed_precision", LaunchKind::kString},
      {"max_restarts", LaunchKind::kInt},
      {"log_dir", LaunchKind::kString},
      {"model", LaunchKind::kString},
      {"metrics", LaunchKind::kSection},
      {"metrics.port", LaunchKind::kInt},
      {"metrics.bind", LaunchKind::kString},
      {"metrics.targets_file", LaunchKind::kString},
      {"metrics.enabled", LaunchKind::kBool},
      {"metrics.pushgateway", LaunchKind::kString},
  };
  return keys;
}

// Accelerate keys with no meaning for zlaunch: accepted, named in one warning.
const std::vector<std::string>& accelerate_ignored_keys() {
  static const std::vector<std::string> keys = {"downcast_bf16",
                                                "gpu_ids",
                                                "main_training_function",
                                                "rdzv_backend",
                                                "same_network",
                                                "tpu_env",
                                                "tpu_use_cluster",
                                                "tpu_use_sudo",
                                                "tpu_name",
                                                "tpu_zone",
                                                "dynamo_config",
                                                "dynamo_backend",
                                                "enable_cpu_affinity",
                                                "debug",
                                                "fsdp_config",
                                                "megatron_lm_config",
                                                "ipex_config",
                                                "mpirun_config",
                                                "num_cpu_threads_per_process",
                                                "commands",
                                                "command_file",
                                                "use_mps_device",
                                                "mpirun_ccl",
                                                "fp8_config",
                                                "distributed_type",
                                                "use_cpu",
                                                "deepspeed_config",
                                                "deepspeed_config_file"};
  return keys;
}

// Accelerate's DeepSpeed plugin keys (under deepspeed_config:) and the DeepSpeed key each sets.
const std::map<std::string, std::string>& plugin_keys() {
  static const std::map<std::string, std::string> keys = {
      {"zero_stage", "zero_optimization.stage"},
      {"offload_optimizer_device", "zero_optimization.offload_optimizer.device"},
      {"offload_param_device", "zero_optimization.offload_param.device"},
      {"gradient_accumulation_steps", "gradient_accumulation_steps"},
      {"gradient_clipping", "gradient_clipping"},
      {"zero3_save_16bit_model", "zero_optimization.stage3_gather_16bit_weights_on_model_save"},
  };
  return keys;
}

const std::vector<std::string>& plugin_ignored_keys() {
  static const std::vector<std::string> keys = {"zero3_init_flag",
                                                "deepspeed_multinode_launcher",
                                                "deepspeed_hostfile",
                                                "deepspeed_exclusion_filter",
                                                "deepspeed_inclusion_filter",
                                                "deepspeed_moe_layer_cls_names",
                                                "offload_optimizer_nvme_path",
                                                "offload_param_nvme_path",
                                                "transformer_moe_cls_names"};
  return keys;
}

// `value` as `kind`, or discarded. Integral floats count as integers; for text layers the caller
// has already parsed the text.
json normalize_launch(const json& value, LaunchKind kind) {
  switch (kind) {
    case LaunchKind::kInt:
      if (const auto integer = json_integer(value)) return *integer;
      break;
    case LaunchKind::kString:
      if (value.is_string()) return value;
      // An unquoted `no` reads as a string in YAML 1.2; PyYAML (YAML 1.1) users may have written
      // `false` meaning the same.
      if (value.is_boolean() && !value.get<bool>()) return "no";
      if (value.is_number()) return value.dump();
      break;
    case LaunchKind::kBool:
      if (value.is_boolean()) return value;
      break;
    case LaunchKind::kSection:
      if (value.is_object()) return value;
      break;
  }
  return json(json::value_t::discarded);
}

const char* launch_kind_name(LaunchKind kind) {
  switch (kind) {
    case LaunchKind::kInt:
      return "an integer";
    case LaunchKind::kString:
      return "a string";
    case LaunchKind::kBool:
      return "true or false";
    case LaunchKind::kSection:
      return "a mapping";
  }
  return "?";
}

std::vector<std::string> launch_candidates(const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& [key, kind] : launch_keys()) {
    if (key.rfind(prefix, 0) == 0 && key.find('.', prefix.size()) == std::string::npos) {
      names.push_back(key.substr(prefix.size()));
    }
  }
  if (prefix.empty()) {
    names.insert(names.end(), accelerate_ignored_keys().begin(), accelerate_ignored_keys().end());
  }
  return names;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

// The Accelerate `deepspeed_config:` mapping (plugin keys) or zlaunch's inline DeepSpeed document.
// A value from a YAML's deepspeed_config mapping; an explicit value of a DeepSpeed file named by the
// same YAML wins (as in Accelerate), with a warning.
void add_yielding(ConfigLayer& layer, const std::string& key, const SourcedValue& value, const std::string& where,
                  Problems& problems) {
  const auto existing = layer.deepspeed.find(key);
  // "auto" in the file is filled by the YAML's value, as Accelerate fills it from its plugin settings.
  if (existing != layer.deepspeed.end() && existing->second.source != value.source &&
      existing->second.value != "auto") {
    if (existing->second.value != value.value) {
      problems.warning(where, "ignored: " + existing->second.source.substr(5) + " sets " + key + " = " +
                                  existing->second.value.dump());
    }
    return;
  }
  layer.deepspeed[key] = value;
}

// deepspeed_config_file named in a YAML: relative to the YAML's folder, or else (Accelerate's rule)
// to the working directory.
void add_referenced_deepspeed_file(ConfigLayer& layer, const std::string& name, const std::string& yaml_path,
                                   const fs::path& folder, const std::string& working_directory, Problems& problems) {
  const fs::path next_to_yaml = (folder / name).lexically_normal();
  // error_code overloads: a name the OS refuses (too long) is "not found" here and named below, or
  // reported by add_deepspeed_file when absolute.
  std::error_code ec;
  if (fs::path(name).is_absolute() || fs::exists(next_to_yaml, ec)) {
    add_deepspeed_file(layer, next_to_yaml.string(), problems);
    return;
  }
  if (ec) {
    problems.error(yaml_path + ": deepspeed_config_file", "'" + name + "' cannot be read (" + ec.message() + ")");
    return;
  }
  const fs::path cwd = working_directory.empty() ? fs::current_path() : fs::path(working_directory);
  const fs::path from_cwd = (cwd / name).lexically_normal();
  if (fs::exists(from_cwd, ec)) {
    problems.warning(yaml_path + ": deepspeed_config_file",
                     "'" + name + "' is not next to the YAML; using " + from_cwd.string() +
                         " (relative to the working directory, as Accelerate does)");
    add_deepspeed_file(layer, from_cwd.string(), problems);
    return;
  }
  problems.error(yaml_path + ": deepspeed_config_file", "'" + name + "' not found: neither " + next_to_yaml.string() +
                                                            " (next to the YAML) nor " + from_cwd.string() +
                                                            " (working directory) exists; fix the path");
}

void load_inline_deepspeed(ConfigLayer& layer, const json& mapping, const std::string& path, const fs::path& folder,
                           const std::string& working_directory, Problems& problems) {
  const std::string source = "file " + path;
  json document = json::object();
  std::vector<std::string> ignored;
  // The DeepSpeed file first: the other keys of this YAML yield to it (see add_yielding).
  if (mapping.contains("deepspeed_config_file")) {
    const json& file = mapping.at("deepspeed_config_file");
    if (file.is_string()) {
      add_referenced_deepspeed_file(layer, file.get<std::string>(), path, folder, working_directory, problems);
    } else if (!file.is_null()) {
      problems.error(path + ": deepspeed_config.deepspeed_config_file", "expected a file name, got " + file.dump());
    }
  }
  for (const auto& [key, value] : mapping.items()) {
    const std::string where = path + ": deepspeed_config." + key;
    if (key == "deepspeed_config_file") {
      continue;
    } else if (plugin_keys().count(key) != 0) {
      if (value.is_null()) continue;
      // Route through the DeepSpeed checker for typing, then rename to the DeepSpeed path.
      const std::string ds_path = plugin_keys().at(key);
      json one = json::object();
      json* cursor = &one;
      std::size_t start = 0;
      for (std::size_t dot = ds_path.find('.'); dot != std::string::npos; dot = ds_path.find('.', start)) {
        cursor = &(*cursor)[ds_path.substr(start, dot - start)];
        start = dot + 1;
      }
      (*cursor)[ds_path.substr(start)] = value;
      Problems local;
      FlatConfig flat = check_deepspeed_document(one, path + ": deepspeed_config", source, local);
      if (local.has_errors()) {
        problems.error(where, "expected the type of DeepSpeed's " + ds_path + ", got " + value.dump());
      }
      for (auto& [k, v] : flat) add_yielding(layer, k, v, where, problems);
    } else if (contains(plugin_ignored_keys(), key)) {
      if (!value.is_null()) ignored.push_back("deepspeed_config." + key);
    } else {
      document[key] = value;
    }
  }
  if (!ignored.empty()) {
    problems.warning(path, "Accelerate DeepSpeed-plugin keys with no meaning for zlaunch, ignored: " + join(ignored));
  }
  if (document.empty()) return;
  for (const char* key : {"train_batch_size", "train_micro_batch_size_per_gpu", "zero_optimization"}) {
    if (document.contains(key)) layer.has_deepspeed_document = true;
  }
  FlatConfig flat = check_deepspeed_document(document, path + ": deepspeed_config", source, problems);
  for (auto& [k, v] : flat) add_yielding(layer, k, v, path + ": deepspeed_config." + k, problems);
}

// Accelerate refuses a YAML that names a deepspeed_config_file and also sets, in its deepspeed_config
// mapping or as mixed_precision, a value that file owns (DeepSpeedPlugin._deepspeed_config_checks,
// fed by accelerate launch for distributed_type DEEPSPEED unless use_cpu): which of the two would win
// is not the user's guess to make. Elsewhere (a zlaunch YAML, use_cpu) the file's explicit value wins
// and the YAML's fills its "auto", with a warning naming both (add_yielding).
void refuse_accelerate_fields_beside_deepspeed_file(const json& document, const std::string& path, Problems& problems) {
  const json* mapping = document.contains("deepspeed_config") && document.at("deepspeed_config").is_object()
                            ? &document.at("deepspeed_config")
                            : nullptr;
  const bool has_file =
      (document.contains("deepspeed_config_file") && !document.at("deepspeed_config_file").is_null()) ||
      (mapping != nullptr && mapping->contains("deepspeed_config_file") &&
       !mapping->at("deepspeed_config_file").is_null());
  if (!has_file) return;
  static const char* const kOwnedByTheFile[] = {
      "gradient_accumulation_steps", "gradient_clipping",     "zero_stage",
      "offload_optimizer_device",    "offload_param_device",  "offload_param_nvme_path",
      "offload_optimizer_nvme_path", "zero3_save_16bit_model"};
  std::vector<std::string> offending;
  if (mapping != nullptr) {
    for (const char* key : kOwnedByTheFile) {
      if (mapping->contains(key)) offending.push_back(std::string("deepspeed_config.") + key);
    }
  }
  if (document.contains("mixed_precision") && !document.at("mixed_precision").is_null()) {
    offending.emplace_back("mixed_precision");
  }
  for (const std::string& key : offending) {
    problems.error(path + ": " + key,
                   "set next to deepspeed_config_file, which owns it: Accelerate refuses this combination "
                   "(\"When using `deepspeed_config_file`, the following accelerate config variables will be "
                   "ignored\"); write the value in the DeepSpeed file and remove it here");
  }
}

// Accelerate's parallelism_config splits the processes into tensor, context or sequence parallel
// groups, so the data-parallel size (and with it the global batch) is not num_processes. zlaunch runs
// data parallel only: sizes above 1 are refused, sizes of 1 change nothing.
void refuse_model_parallel_sizes(const json& value, const std::string& path, Problems& problems) {
  if (value.is_null()) return;
  if (!value.is_object()) {
    problems.error(path + ": parallelism_config", "expected a mapping, got " + value.dump());
    return;
  }
  for (const auto& [key, size] : value.items()) {
    const bool is_size = key.size() > 5 && key.compare(key.size() - 5, 5, "_size") == 0;
    const bool data_parallel = key.find("dp_") != std::string::npos;
    if (!is_size || data_parallel || size.is_null()) continue;
    if (!(size.is_number_integer() && size.get<std::int64_t>() == 1)) {
      problems.error(path + ": parallelism_config." + key,
                     "= " + size.dump() +
                         ": zlaunch runs data parallel only, and a model-parallel group would change the "
                         "data-parallel size and so the global batch; remove parallelism_config or set the "
                         "size to 1");
    }
  }
}

// Accelerate's distributed_type, as accelerate launch runs it: DEEPSPEED with the DeepSpeed config;
// MULTI_GPU and MULTI_CPU as DDP (ZeRO stage 0: nothing sharded), NO as one process. The device is
// Accelerate's too: MULTI_CPU the CPU, MULTI_GPU the GPUs, DEEPSPEED and NO the GPUs when any are
// visible (device "auto"); use_cpu: true (applied by the caller) the CPU.
void apply_distributed_type(ConfigLayer& layer, const std::string& type, const std::string& path, Problems& problems) {
  const std::string source = "file " + path;
  // Kept for the cross-key checks (config_builder.cc: NO runs one process); not a launch setting.
  layer.launch["distributed_type"] = SourcedValue{type, source};
  if (type == "DEEPSPEED" || type == "NO") layer.launch.emplace("device", SourcedValue{"auto", source});
  if (type == "MULTI_CPU" || type == "MULTI_GPU" || type == "NO") {
    layer.deepspeed.emplace("zero_optimization.stage",
                            SourcedValue{0, source + " (distributed_type " + type +
                                                ": Accelerate runs plain data parallel, DDP, which is ZeRO stage 0)"});
  }
  if (type == "NO" || type == "DEEPSPEED" || type == "false") return;
  if (type == "MULTI_CPU") {
    layer.launch.emplace("device", SourcedValue{"cpu", source});
  } else if (type == "MULTI_GPU") {
    layer.launch.emplace("device", SourcedValue{"cuda", source});
  } else {
    problems.error(path + ": distributed_type",
                   "'" + type +
                       "' is not supported: zlaunch runs data parallel with ZeRO; use DEEPSPEED, "
                       "MULTI_GPU, MULTI_CPU or NO");
  }
}

// torch.compile through Accelerate's dynamo settings: neither the bundled trainer nor zlaunch's launch
// path compiles, and leaving an Accelerate program uncompiled while the file asks for it would train
// differently without a word. The backend NO (Accelerate's default) is accepted.
void refuse_dynamo(const json& document, const std::string& path, Problems& problems) {
  auto check = [&](const json& backend, const std::string& key) {
    if (backend.is_null() || (backend.is_string() && (backend == "NO" || backend == "no"))) return;
    problems.error(path + ": " + key, "= " + backend.dump() +
                                          ": torch.compile (dynamo) is not supported by zlaunch run; remove it "
                                          "or set it to 'NO'");
  };
  if (document.contains("dynamo_backend")) check(document.at("dynamo_backend"), "dynamo_backend");
  if (document.contains("dynamo_config") && document.at("dynamo_config").is_object() &&
      document.at("dynamo_config").contains("dynamo_backend")) {
    check(document.at("dynamo_config").at("dynamo_backend"), "dynamo_config.dynamo_backend");
  }
}

// The facts only an Accelerate program reads (AccelerateFacts), into layer.accelerate by field name.
void collect_accelerate_facts(ConfigLayer& layer, const json& document, const std::string& distributed_type) {
  json& facts = layer.accelerate;
  if (!distributed_type.empty()) facts["distributed_type"] = distributed_type;
  if (document.contains("use_cpu") && document.at("use_cpu").is_boolean()) facts["use_cpu"] = document.at("use_cpu");
  if (document.contains("debug") && document.at("debug").is_boolean()) facts["debug"] = document.at("debug");
  if (document.contains("enable_cpu_affinity") && document.at("enable_cpu_affinity").is_boolean()) {
    facts["enable_cpu_affinity"] = document.at("enable_cpu_affinity");
  }
  if (document.contains("num_cpu_threads_per_process") &&
      document.at("num_cpu_threads_per_process").is_number_integer()) {
    facts["num_cpu_threads_per_process"] = document.at("num_cpu_threads_per_process");
  }
  if (document.contains("gpu_ids")) {
    const json& ids = document.at("gpu_ids");
    if (ids.is_string() && ids != "all") facts["gpu_ids"] = ids;
    if (ids.is_number_integer()) facts["gpu_ids"] = ids.dump();
  }
  if (distributed_type != "DEEPSPEED") return;
  std::vector<std::string> fields;
  if (document.contains("deepspeed_config") && document.at("deepspeed_config").is_object()) {
    const json& mapping = document.at("deepspeed_config");
    for (const auto& [key, value] : mapping.items()) fields.push_back(key);
    if (mapping.contains("zero3_init_flag") && mapping.at("zero3_init_flag").is_boolean()) {
      facts["zero3_init_flag"] = mapping.at("zero3_init_flag").get<bool>() ? "true" : "false";
    }
  }
  if (document.contains("mixed_precision") && !document.at("mixed_precision").is_null()) {
    fields.emplace_back("mixed_precision");
  }
  facts["deepspeed_config_fields"] = fields;
}

void load_launch_yaml(ConfigLayer& layer, const std::string& path, const std::string& working_directory,
                      Problems& problems) {
  std::optional<json> read;
  try {
    read = read_yaml_mapping(read_text_file(path, "config file"), path, problems);
  } catch (const ConfigError& e) {
    problems.error("", e.what());
    return;
  }
  if (!read || read->is_null()) return;  // a problem recorded, or an empty file that says nothing
  const json& document = *read;
  const std::string source = "file " + path;
  const fs::path folder = fs::path(path).parent_path();
  std::vector<std::string> ignored;
  const bool use_cpu = document.contains("use_cpu") && document.at("use_cpu") == true;
  const json* distributed = document.contains("distributed_type") ? &document.at("distributed_type") : nullptr;
  const std::string distributed_type =
      distributed == nullptr || distributed->is_null()
          ? ""
          : (distributed->is_string() ? distributed->get<std::string>() : distributed->dump());
  // Without DeepSpeed, accelerate launch never reads the DeepSpeed settings of the YAML.
  const bool reads_deepspeed =
      distributed_type != "MULTI_GPU" && distributed_type != "MULTI_CPU" && distributed_type != "NO";
  if (!reads_deepspeed && (document.contains("deepspeed_config") || document.contains("deepspeed_config_file"))) {
    problems.warning(path, "deepspeed_config is ignored: with distributed_type " + distributed_type +
                               " Accelerate does not use DeepSpeed (it runs DDP, ZeRO stage 0); set "
                               "distributed_type: DEEPSPEED to use it");
  }
  if (distributed_type == "DEEPSPEED" && !use_cpu) {
    refuse_accelerate_fields_beside_deepspeed_file(document, path, problems);
  }
  refuse_dynamo(document, path, problems);
  collect_accelerate_facts(layer, document, distributed_type);
  if (reads_deepspeed && document.contains("deepspeed_config_file")) {
    const json& file = document.at("deepspeed_config_file");
    if (file.is_string()) {
      add_referenced_deepspeed_file(layer, file.get<std::string>(), path, folder, working_directory, problems);
    } else if (!file.is_null()) {
      problems.error(path + ": deepspeed_config_file", "expected a file name, got " + file.dump());
    }
  }
  for (const auto& [key, value] : document.items()) {
    if (key == "deepspeed_config" && !reads_deepspeed) {
      continue;
    } else if (key == "deepspeed_config") {
      if (value.is_object()) {
        load_inline_deepspeed(layer, value, path, folder, working_directory, problems);
      } else if (!value.is_null()) {
        problems.error(path + ": deepspeed_config", "expected a mapping, got " + value.dump());
      }
    } else if (key == "deepspeed_config_file") {
      continue;  // read above
    } else if (key == "distributed_type") {
      if (!distributed_type.empty()) apply_distributed_type(layer, distributed_type, path, problems);
    } else if (key == "use_cpu") {
      continue;  // read above
    } else if (key == "parallelism_config") {
      refuse_model_parallel_sizes(value, path, problems);
    } else if (key == "mpirun_config") {
      if (value.is_object() && value.contains("mpirun_hostfile") && value["mpirun_hostfile"].is_string()) {
        layer.launch["hostfile"] = {value["mpirun_hostfile"], source};
        layer.launch["launcher"] = {"mpi", source};
      }
    } else if (launch_keys().count(key) != 0) {
      if (value.is_null()) continue;  // Accelerate writes unset keys as null
      const LaunchKind kind = launch_keys().at(key);
      if (kind == LaunchKind::kSection) {
        if (!value.is_object()) {
          problems.error(path + ": " + key, "expected a mapping, got " + value.dump());
          continue;
        }
        for (const auto& [sub, sub_value] : value.items()) {
          const std::string dotted = key + "." + sub;
          const auto known = launch_keys().find(dotted);
          if (known == launch_keys().end()) {
            problems.error(path + ": " + dotted, "unknown key '" + sub + "'" +
                                                     did_you_mean(sub, launch_candidates(key + ".")) +
                                                     "; remove it or fix its spelling");
            continue;
          }
          const json typed = normalize_launch(sub_value, known->second);
          if (typed.is_discarded()) {
            problems.error(path + ": " + dotted,
                           std::string("expected ") + launch_kind_name(known->second) + ", got " + sub_value.dump());
          } else {
            layer.launch[dotted] = {typed, source};
          }
        }
        continue;
      }
      const json typed = normalize_launch(value, kind);
      if (typed.is_discarded()) {
        problems.error(path + ": " + key, std::string("expected ") + launch_kind_name(kind) + ", got " + value.dump());
      } else {
        layer.launch[key] = {typed, source};
      }
    } else if (contains(accelerate_ignored_keys(), key)) {
      if (!value.is_null()) ignored.push_back(key);
    } else {
      problems.error(path + ": " + key, "unknown key '" + key + "'" + did_you_mean(key, launch_candidates("")) +
                                            "; remove it or fix its spelling");
    }
  }
  if (use_cpu) layer.launch["device"] = {"cpu", source + " (use_cpu: true)"};
  if (!ignored.empty()) {
    problems.warning(path, "Accelerate keys with no meaning for zlaunch, ignored: " + join(ignored));
  }
}

bool looks_like_json(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".json" || ext == ".conf" || ext == ".hjson") return true;
  if (ext == ".yaml" || ext == ".yml") return false;
  std::string text;
  try {
    text = read_text_file(path, "config file");
  } catch (const ConfigError&) {
    return false;
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && (text[first] == '{' || text[first] == '/');
}

}  // namespace

void add_deepspeed_file(ConfigLayer& layer, const std::string& path, Problems& problems) {
  ParsedJson parsed;
  try {
    parsed = read_lenient_json_file(path);
  } catch (const ConfigError& e) {
    problems.error("", e.what());
    return;
  }
  if (!parsed.hjson_only.empty()) {
    problems.warning(path, "has " + parsed.hjson_only +
                               ", which only hjson reads: DeepSpeed's own loader accepts the file, but the HF "
                               "Trainer and Accelerate (json.load) refuse it; remove them to use it there too");
  }
  const json& document = parsed.value;
  layer.files.push_back(path);
  layer.has_deepspeed_document = true;
  layer.deepspeed_file = path;
  layer.deepspeed_file_document = document;
  FlatConfig flat = check_deepspeed_document(document, path, "file " + path, problems);
  for (auto& [k, v] : flat) layer.deepspeed[k] = v;
}

std::string accelerate_default_config_path(const std::string& home) {
  fs::path hf_home;
  const char* hf_home_env = std::getenv("HF_HOME");
  const char* xdg_cache = std::getenv("XDG_CACHE_HOME");
  if (hf_home_env != nullptr && *hf_home_env != '\0') {
    hf_home = hf_home_env;
  } else if (xdg_cache != nullptr && *xdg_cache != '\0') {
    hf_home = fs::path(xdg_cache) / "huggingface";
  } else if (!home.empty()) {
    hf_home = fs::path(home) / ".cache" / "huggingface";
  } else {
    return {};
  }
  return (hf_home / "accelerate" / "default_config.yaml").lexically_normal().string();
}

ConfigLayer load_config_file(const std::string& path, const std::string& working_directory, Problems& problems) {
  ConfigLayer layer;
  layer.name = "file " + path;
  if (looks_like_json(path)) {
    add_deepspeed_file(layer, path, problems);
  } else {
    layer.files.push_back(path);
    load_launch_yaml(layer, path, working_directory, problems);
  }
  return layer;
}

std::vector<std::string> launch_yaml_key_names() {
  std::set<std::string> names;
  for (const auto& [key, kind] : launch_keys()) names.insert(key);
  names.insert(accelerate_ignored_keys().begin(), accelerate_ignored_keys().end());
  for (const auto& [key, deepspeed_key] : plugin_keys()) names.insert("deepspeed_config." + key);
  for (const auto& key : plugin_ignored_keys()) names.insert("deepspeed_config." + key);
  return {names.begin(), names.end()};
}

const std::vector<std::string>& string_layer_keys() {
  static const std::vector<std::string> keys = {"num_processes",
                                                "num_machines",
                                                "machine_rank",
                                                "main_process_ip",
                                                "main_process_port",
                                                "launcher",
                                                "hostfile",
                                                "device",
                                                "mixed_precision",
                                                "max_restarts",
                                                "log_dir",
                                                "metrics_port",
                                                "model",
                                                "deepspeed_config_file",
                                                "zero_stage",
                                                "metrics_pushgateway",
                                                "metrics_targets_file",
                                                "gradient_accumulation_steps",
                                                "gradient_clipping",
                                                "offload_optimizer_device",
                                                "offload_param_device",
                                                "zero3_save_16bit_model"};
  return keys;
}

namespace {

// String-layer keys that set a DeepSpeed key (accelerate launch's DeepSpeed-plugin flags), with the
// JSON type the text is read as.
enum class TextKind { kInt, kNumber, kString, kBool };
struct DeepSpeedStringKey {
  const char* key;
  const char* deepspeed_path;
  TextKind kind;
};
constexpr DeepSpeedStringKey kDeepSpeedStringKeys[] = {
    {"zero_stage", "zero_optimization.stage", TextKind::kInt},
    {"gradient_accumulation_steps", "gradient_accumulation_steps", TextKind::kInt},
    {"gradient_clipping", "gradient_clipping", TextKind::kNumber},
    {"offload_optimizer_device", "zero_optimization.offload_optimizer.device", TextKind::kString},
    {"offload_param_device", "zero_optimization.offload_param.device", TextKind::kString},
    {"zero3_save_16bit_model", "zero_optimization.stage3_gather_16bit_weights_on_model_save", TextKind::kBool},
};

const DeepSpeedStringKey* deepspeed_string_key(const std::string& key) {
  for (const auto& entry : kDeepSpeedStringKeys) {
    if (key == entry.key) return &entry;
  }
  return nullptr;
}

// The text as a JSON value of `kind`; discarded when it is not one.
json typed_text(const std::string& text, TextKind kind) {
  try {
    std::size_t used = 0;
    if (kind == TextKind::kInt) {
      const long long n = std::stoll(text, &used);
      return used == text.size() ? json(n) : json(json::value_t::discarded);
    }
    if (kind == TextKind::kNumber) {
      const double x = std::stod(text, &used);
      return used == text.size() ? json(x) : json(json::value_t::discarded);
    }
  } catch (const std::exception&) {
    return json(json::value_t::discarded);
  }
  if (kind == TextKind::kBool) {
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    return json(json::value_t::discarded);
  }
  return text;
}

const char* text_kind_name(TextKind kind) {
  switch (kind) {
    case TextKind::kInt:
      return "an integer";
    case TextKind::kNumber:
      return "a number";
    case TextKind::kBool:
      return "true or false";
    case TextKind::kString:
      break;
  }
  return "a string";
}

}  // namespace

ConfigLayer load_string_layer(const std::map<std::string, std::string>& values,
                              const std::function<std::string(const std::string&)>& source_of,
                              const std::string& base_directory, Problems& problems) {
  ConfigLayer layer;
  for (const auto& [key, text] : values) {
    const std::string source = source_of(key);
    if (!contains(string_layer_keys(), key)) {
      problems.error(source, "not a configuration setting; the settings are: " + join(string_layer_keys()));
      continue;
    }
    if (key == "deepspeed_config_file") {
      fs::path file(text);
      if (file.is_relative() && !base_directory.empty()) file = fs::path(base_directory) / file;
      add_deepspeed_file(layer, file.lexically_normal().string(), problems);
      continue;
    }
    if (const DeepSpeedStringKey* ds_key = deepspeed_string_key(key)) {
      const json value = typed_text(text, ds_key->kind);
      if (value.is_discarded()) {
        problems.error(source, "'" + text + "' is not " + text_kind_name(ds_key->kind));
      } else {
        layer.deepspeed[ds_key->deepspeed_path] = {value, source};
      }
      continue;
    }
    // metrics_<x> flags and ZLAUNCH_METRICS_<X> variables set the metrics section's keys.
    const std::string target = key.rfind("metrics_", 0) == 0 ? "metrics." + key.substr(8) : key;
    const bool integral = launch_keys().at(target) == LaunchKind::kInt;
    json value = text;
    if (integral) {
      try {
        std::size_t used = 0;
        const long long n = std::stoll(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
        value = n;
      } catch (const std::exception&) {
        problems.error(source, "'" + text + "' is not an integer");
        continue;
      }
    }
    layer.launch[target] = {value, source};
  }
  return layer;
}

}  // namespace zl::config
