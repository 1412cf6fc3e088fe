// `zlaunch estimate-memory`: per-rank bytes of parameters, gradients, optimizer states and fp32 master
// weights for each ZeRO stage (memory_estimate.h), plus the fixed buffers, as a table or JSON, with a
// plain-words note when a higher stage needs more memory than a lower one.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "zl/base/error.h"
#include "zl/config/memory_estimate.h"
#include "zl/config/model_spec.h"
#include "zl/config/resolve.h"
#include "zl/config/subcommands.h"

namespace zl::config {
namespace {

struct EstimateOptions {
  std::string params;
  std::string model;
  std::string num_processes;
  std::string zero_stage;
  std::string mixed_precision;
  std::string offload_optimizer;
  std::string offload_param;
  std::string config;
  bool json = false;
};

// "7.5e9", "7500000000", "7.5B", "125M", "350k" -> a positive integer count.
std::int64_t parse_count(const std::string& text) {
  double scale = 1.0;
  std::string number = text;
  if (!number.empty()) {
    switch (number.back()) {
      case 'k':
      case 'K':
        scale = 1e3;
        break;
      case 'm':
      case 'M':
        scale = 1e6;
        break;
      case 'b':
      case 'B':
      case 'g':
      case 'G':
        scale = 1e9;
        break;
      case 't':
      case 'T':
        scale = 1e12;
        break;
      default:
        break;
    }
    if (scale != 1.0) number.pop_back();
  }
  try {
    std::size_t used = 0;
    const double value = std::stod(number, &used) * scale;
    if (used != number.size() || !(value >= 1) || value > 1e16 || std::fabs(value - std::round(value)) > 1e-6 * value) {
      throw std::invalid_argument(text);
    }
    return static_cast<std::int64_t>(std::llround(value));
  } catch (const std::exception&) {
    throw UsageError("--params '" + text +
                     "': expected a positive parameter count such as 7.5e9, 7500000000, 7.5B or 125M");
  }
}

OffloadDevice parse_offload(const std::string& text, const std::string& flag) {
  if (text.empty() || text == "none") return OffloadDevice::kNone;
  if (text == "cpu") return OffloadDevice::kCpu;
  throw UsageError(flag + " '" + text + "': expected cpu or none (nvme is not supported)");
}

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

void run(const EstimateOptions& o) {
  if (o.params.empty() == o.model.empty() && o.config.empty()) {
    throw UsageError(
        "estimate-memory: give exactly one of --params N or --model L,H,C,T,V|name (or --config FILE with a model)");
  }
  if (!o.params.empty() && !o.model.empty())
    throw UsageError("estimate-memory: --params and --model exclude each other");

  MemoryEstimateRequest base;
  std::vector<int> stages = {0, 1, 2, 3};
  bool overlap_from_config = false;
  std::string model_name = o.model;
  if (!o.config.empty()) {
    ResolveRequest request;
    request.config_file = o.config;
    request.read_environment = false;
    request.read_default_files = false;
    if (!o.num_processes.empty()) request.flags["num_processes"] = o.num_processes;
    if (!o.mixed_precision.empty()) request.flags["mixed_precision"] = o.mixed_precision;
    if (!o.model.empty()) request.flags["model"] = o.model;
    const ResolvedConfig c = resolve(request);
    base.zero = c.training.zero_optimization;
    base.world_size = c.launch.num_processes;
    base.precision = c.launch.mixed_precision;
    overlap_from_config = true;
    stages = {base.zero.stage};
    if (o.params.empty() && o.model.empty()) model_name = c.launch.model;
  }
  if (!o.num_processes.empty()) {
    try {
      base.world_size = std::stoi(o.num_processes);
    } catch (const std::exception&) {
      base.world_size = 0;
    }
    if (base.world_size < 1) throw UsageError("--num_processes '" + o.num_processes + "': expected a positive integer");
  }
  if (!o.mixed_precision.empty()) {
    if (o.mixed_precision == "no")
      base.precision = Precision::kNo;
    else if (o.mixed_precision == "fp16")
      base.precision = Precision::kFp16;
    else if (o.mixed_precision == "bf16")
      base.precision = Precision::kBf16;
    else
      throw UsageError("--mixed_precision '" + o.mixed_precision + "': expected no, fp16 or bf16");
  }
  if (!o.offload_optimizer.empty()) {
    base.zero.offload_optimizer.device = parse_offload(o.offload_optimizer, "--offload_optimizer");
  }
  if (!o.offload_param.empty()) base.zero.offload_param.device = parse_offload(o.offload_param, "--offload_param");
  if (o.zero_stage == "all") {
    stages = {0, 1, 2, 3};
  } else if (!o.zero_stage.empty()) {
    if (o.zero_stage.size() != 1 || o.zero_stage[0] < '0' || o.zero_stage[0] > '3') {
      throw UsageError("--zero_stage '" + o.zero_stage + "': expected 0, 1, 2, 3 or all");
    }
    stages = {o.zero_stage[0] - '0'};
  }
  std::string what;
  if (!o.params.empty()) {
    base.layer_parameters = {parse_count(o.params)};
    what = with_commas(base.layer_parameters[0]) + " parameters";
  } else {
    const ModelSpec spec = parse_model_spec(model_name, "--model");
    base.layer_parameters = spec.layer_parameter_counts();
    what = "model " + model_name + " (" + spec.dimensions() + "): " + with_commas(spec.parameter_count()) +
           " parameters in " + std::to_string(base.layer_parameters.size()) + " layers";
  }

  std::vector<MemoryEstimate> estimates;
  std::vector<std::string> notes;
  for (const int stage : stages) {
    MemoryEstimateRequest r = base;
    r.zero.stage = stage;
    if (!overlap_from_config) r.zero.overlap_comm = stage == 3;  // DeepSpeed's default
    // Across all stages, an offload is applied where it exists; for one stage asked explicitly,
    // estimate_memory() rejects an offload that the stage cannot have.
    if (stages.size() > 1 && stage < 3 && r.zero.offload_param.device != OffloadDevice::kNone) {
      r.zero.offload_param.device = OffloadDevice::kNone;
      notes.push_back("stage " + std::to_string(stage) + ": parameter offload applies only at stage 3; not applied");
    }
    if (stages.size() > 1 && stage < 1 && r.zero.offload_optimizer.device != OffloadDevice::kNone) {
      r.zero.offload_optimizer.device = OffloadDevice::kNone;
      notes.push_back("stage 0: optimizer offload needs stage 1 or higher; not applied");
    }
    estimates.push_back(estimate_memory(r));
  }
  const auto regressions = memory_regressions(estimates);
  const bool mixed = base.precision != Precision::kNo;

  if (o.json) {
    nlohmann::json out = {{"parameters", estimates.front().parameters},
                          {"padded_parameters", estimates.front().padded_parameters},
                          {"world_size", base.world_size},
                          {"mixed_precision", to_string(base.precision)},
                          {"bytes_per_parameter_k", mixed ? 12 : 8},
                          {"stages", nlohmann::json::array()},
                          {"notes", notes},
                          {"warnings", regressions}};
    for (const auto& e : estimates) {
      out["stages"].push_back({{"stage", e.stage},
                               {"params_bytes", e.params_bytes},
                               {"grads_bytes", e.grads_bytes},
                               {"optimizer_bytes", e.optimizer_bytes},
                               {"master_bytes", e.master_bytes},
                               {"model_state_bytes", e.model_state_bytes()},
                               {"offloaded_bytes", e.offloaded_bytes},
                               {"reduce_bucket_bytes", e.reduce_bucket_bytes},
                               {"prefetch_bucket_bytes", e.prefetch_bucket_bytes},
                               {"persistent_params_bytes", e.persistent_params_bytes},
                               {"buffer_bytes", e.buffer_bytes()},
                               {"total_bytes", e.total_bytes()}});
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << what << "; " << base.world_size << (base.world_size == 1 ? " process" : " processes") << "; "
            << (mixed ? std::string("mixed precision ") + to_string(base.precision) + " (2+2+12 bytes per parameter)"
                      : std::string("fp32 (4+4+8 bytes per parameter)"))
            << "\n";
  if (estimates.front().padded_parameters != estimates.front().parameters) {
    std::cout << "padded per layer to multiples of " << base.world_size << ": "
              << with_commas(estimates.front().padded_parameters) << " parameters\n";
  }
  std::printf("%-6s %11s %11s %11s %11s %13s %11s %12s %13s\n", "stage", "params", "grads", "optimizer", "master",
              "model states", "buffers", "total/rank", "host offload");
  for (const auto& e : estimates) {
    std::printf("%-6d %11s %11s %11s %11s %13s %11s %12s %13s\n", e.stage, format_bytes(e.params_bytes).c_str(),
                format_bytes(e.grads_bytes).c_str(), format_bytes(e.optimizer_bytes).c_str(),
                format_bytes(e.master_bytes).c_str(), format_bytes(e.model_state_bytes()).c_str(),
                format_bytes(e.buffer_bytes()).c_str(), format_bytes(e.total_bytes()).c_str(),
                format_bytes(e.offloaded_bytes).c_str());
  }
  std::cout << "buffers: the peak of the engine's buffers over a step (reduce buckets, gathered layers, transient "
               "full gradients, fp32 copies), replayed from its own rules; activations are not in total/rank\n";
  for (const auto& omitted : estimates.front().leaves_out) std::cout << "not counted: " << omitted << "\n";
  std::fflush(stdout);
  for (const auto& n : notes) std::cout << "note: " << n << "\n";
  for (const auto& w : regressions) std::cout << "warning: " << w << "\n";
}

}  // namespace

void add_estimate_memory_command(CLI::App& app) {
  auto o = std::make_shared<EstimateOptions>();
  auto* cmd = app.add_subcommand("estimate-memory", "Per-rank memory of each ZeRO stage for a model size");
  cmd->add_option("--params", o->params, "Parameter count (7.5e9, 7.5B, 125M)");
  cmd->add_option("--model", o->model, "Model: tiny | small | gpt2 | L,H,C,T,V (per-layer padding is counted)");
  cmd->add_option("--num_processes", o->num_processes, "World size N (default 1)");
  cmd->add_option("--zero_stage", o->zero_stage, "0, 1, 2, 3 or all (default all)");
  cmd->add_option("--mixed_precision", o->mixed_precision, "no | fp16 | bf16 (default no)");
  cmd->add_option("--offload_optimizer", o->offload_optimizer, "cpu: optimizer states + master weights in host memory");
  cmd->add_option("--offload_param", o->offload_param, "cpu: parameter shard in host memory (stage 3)");
  cmd->add_option("--config", o->config,
                  "DeepSpeed JSON or launch YAML to take stage, precision, buckets and world size from");
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  cmd->callback([o] { run(*o); });
}

}  // namespace zl::config
