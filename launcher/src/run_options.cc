// `zlaunch run` options (run_options.h). Config-backed options are registered with their configtool
// key; only those the user typed reach resolve(), as typed. Every option has Accelerate's underscore
// and dash spellings (accelerate launch accepts both); torchrun's names are aliases.
#include "zl/launcher/run_options.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "zl/base/error.h"

namespace zl::launcher {
namespace {

// "--num_processes,--num-processes" for "num_processes"; extra names (short or torchrun's) appended.
std::string both_spellings(const std::string& name, const std::string& extra = "") {
  std::string dashed = name;
  for (char& c : dashed) c = c == '_' ? '-' : c;
  std::string names = "--" + name;
  if (dashed != name) names += ",--" + dashed;
  if (!extra.empty()) names += "," + extra;
  return names;
}

// Options that configtool resolves: CLI name -> configtool key. The value is validated by resolve()
// with the flag named as its source.
struct ConfigOption {
  const char* flag;
  const char* key;
  const char* extra_names;  // torchrun's aliases and short names, "" = none
  const char* type;
  const char* help;
};

constexpr ConfigOption kConfigOptions[] = {
    {"num_processes", "num_processes", "-n", "INT",
     "Total number of processes over all machines (Accelerate's meaning)"},
    {"num_machines", "num_machines", "--nnodes", "INT", "Number of machines (torchrun: --nnodes)"},
    {"machine_rank", "machine_rank", "--node_rank,--node-rank", "INT",
     "This machine's index, 0 .. num_machines-1 (torchrun: --node_rank)"},
    {"main_process_ip", "main_process_ip", "--master_addr,--master-addr", "ADDRESS",
     "Address of machine 0, which runs the rendezvous store (torchrun: --master_addr)"},
    {"main_process_port", "main_process_port", "--master_port,--master-port", "PORT",
     "Port of the rendezvous store on machine 0; 0 = a free port (default on one machine; 29500 on several)"},
    {"launcher", "launcher", "", "KIND", "local | mpi | slurm"},
    {"hostfile", "hostfile", "", "FILE", "DeepSpeed-style hostfile ('host slots=N' per line), for --launcher mpi"},
    {"max_restarts", "max_restarts", "", "INT", "Restart the whole group up to this many times after a failure"},
    {"log_dir", "log_dir", "", "DIR", "Directory of run directories (<log_dir>/<run_id>/)"},
    {"metrics_port", "metrics_port", "", "PORT",
     "Base Prometheus port: rank's port = metrics_port + LOCAL_RANK, the launcher's = metrics_port + processes per "
     "machine; a busy port is traded for a free one (0 = any free port)"},
    {"metrics_targets_file", "metrics_targets_file", "", "FILE",
     "Also write the run's Prometheus file_sd targets to FILE (every run's are in <log_dir>/targets/ too)"},
    {"metrics_pushgateway", "metrics_pushgateway", "", "URL",
     "Prometheus Pushgateway (http://host:port) every rank pushes its final metrics to at exit"},
    {"mixed_precision", "mixed_precision", "", "MODE", "no | fp16 | bf16"},
    {"device", "device", "", "DEVICE", "cpu | cuda"},
    {"deepspeed_config_file", "deepspeed_config_file", "", "FILE", "DeepSpeed JSON config"},
    {"zero_stage", "zero_stage", "", "INT", "ZeRO stage 0..3"},
    {"gradient_accumulation_steps", "gradient_accumulation_steps", "", "INT",
     "DeepSpeed's gradient_accumulation_steps"},
    {"gradient_clipping", "gradient_clipping", "", "NORM", "DeepSpeed's gradient_clipping (0 = none)"},
    {"offload_optimizer_device", "offload_optimizer_device", "", "DEVICE",
     "none | cpu: where ZeRO keeps the optimizer states"},
    {"offload_param_device", "offload_param_device", "", "DEVICE", "none | cpu: where ZeRO-3 keeps the parameters"},
    {"zero3_save_16bit_model", "zero3_save_16bit_model", "", "BOOL",
     "true | false: save the whole 16-bit model with ZeRO-3 checkpoints"},
    {"model", "model", "", "MODEL", "Model size for the bundled trainer (tiny | small | gpt2 | L,H,C,T,V)"},
};

// accelerate launch options zlaunch cannot honour, by family, with the reason. Registered so that they
// fail by name instead of being ignored or taken as the program.
struct RefusedFamily {
  const char* reason;
  std::vector<const char*> flags;   // take no value
  std::vector<const char*> valued;  // take one value
};

const std::vector<RefusedFamily>& refused_families() {
  static const std::vector<RefusedFamily> families = {
      {"TPU training is not supported: zlaunch runs on CPUs and NVIDIA GPUs",
       {"tpu", "tpu_cluster", "no_tpu_cluster", "tpu_use_sudo", "downcast_bf16"},
       {"vm", "env", "main_training_function"}},
      {"FSDP is not supported: zlaunch shards with ZeRO (use --use_deepspeed --zero_stage 3, or a DeepSpeed config)",
       {"use_fsdp"},
       {"fsdp_version", "fsdp_offload_params", "fsdp_min_num_params", "fsdp_sharding_strategy",
        "fsdp_reshard_after_forward", "fsdp_auto_wrap_policy", "fsdp_transformer_layer_cls_to_wrap",
        "fsdp_backward_prefetch", "fsdp_state_dict_type", "fsdp_forward_prefetch", "fsdp_use_orig_params",
        "fsdp_cpu_ram_efficient_loading", "fsdp_sync_module_states", "fsdp_activation_checkpointing",
        "fsdp_activation_checkpointing_offload"}},
      {"Megatron-LM (tensor and pipeline parallelism) is not supported: zlaunch runs data parallel with ZeRO",
       {"use_megatron_lm"},
       {"megatron_lm_tp_degree",
        "megatron_lm_use_custom_fsdp",
        "megatron_lm_no_load_optim",
        "megatron_lm_eod_mask_loss",
        "megatron_lm_overlap_cpu_optimizer_d2h_h2d",
        "megatron_lm_no_save_optim",
        "megatron_lm_optimizer_cpu_offload",
        "megatron_lm_use_precision_aware_optimizer",
        "megatron_lm_decoder_last_pipeline_num_layers",
        "megatron_lm_pp_degree",
        "megatron_lm_num_micro_batches",
        "megatron_lm_sequence_parallelism",
        "megatron_lm_recompute_activations",
        "megatron_lm_use_distributed_optimizer",
        "megatron_lm_gradient_clipping",
        "megatron_lm_recompute_granularity",
        "megatron_lm_recompute_method",
        "megatron_lm_recompute_num_layers",
        "megatron_lm_attention_backend",
        "megatron_lm_expert_model_parallel_size",
        "megatron_lm_context_parallel_size",
        "megatron_lm_attention_dropout",
        "megatron_lm_hidden_dropout",
        "megatron_lm_attention_softmax_in_fp32",
        "megatron_lm_expert_tensor_parallel_size",
        "megatron_lm_calculate_per_token_loss",
        "megatron_lm_use_rotary_position_embeddings"}},
      {"model-parallel groups (parallelism_config) are not supported: zlaunch runs data parallel only, and the "
       "groups would change the data-parallel size and so the global batch",
       {"use_parallelism_config"},
       {"parallelism_config_dp_replicate_size", "parallelism_config_dp_shard_size", "parallelism_config_tp_size",
        "parallelism_config_cp_size", "parallelism_config_cp_backend", "parallelism_config_cp_comm_strategy",
        "parallelism_config_sp_size", "parallelism_config_sp_backend", "parallelism_config_sp_seq_length",
        "parallelism_config_sp_seq_length_is_variable", "parallelism_config_sp_attn_implementation"}},
      {"torch.compile (dynamo) is not supported by zlaunch run",
       {"dynamo_use_fullgraph", "dynamo_use_dynamic", "dynamo_use_regional_compilation"},
       {"dynamo_backend", "dynamo_mode"}},
      {"FP8 training is not supported: use --mixed_precision fp16 or bf16",
       {"fp8_use_autocast_during_eval"},
       {"fp8_backend", "fp8_margin", "fp8_interval", "fp8_format", "fp8_amax_history_len", "fp8_amax_compute_algo",
        "fp8_override_linear_precision", "fp8_opt_level", "fp8_enable_fsdp_float8_all_gather", "fp8_pad_inner_dim"}},
      {"Amazon SageMaker launches are not supported: zlaunch starts processes on the machines it runs on",
       {},
       {"aws_access_key_id", "aws_secret_access_key"}},
      {"NVMe offload is not supported: offload to cpu, or none",
       {},
       {"offload_optimizer_nvme_path", "offload_param_nvme_path"}},
      {"DeepSpeed's own multi-machine launcher (pdsh and its host filters) is not used: give --hostfile FILE "
       "--launcher mpi, or start zlaunch run on every machine with --machine_rank",
       {},
       {"deepspeed_hostfile", "deepspeed_exclusion_filter", "deepspeed_inclusion_filter",
        "deepspeed_multinode_launcher"}},
      {"Mixture-of-Experts layers are not supported: zlaunch's runtime has no MoE",
       {},
       {"deepspeed_moe_layer_cls_names"}},
  };
  return families;
}

constexpr const char* kRefusedGroup = "Refused (accelerate launch options zlaunch cannot honour)";

// "timeout=900,join_timeout=600" (torchrun's --rdzv_conf): the timeouts set --rdzv_timeout (the
// larger one wins); any other key is refused by name.
void apply_rdzv_conf(const std::string& text, RunOptions& options) {
  std::size_t start = 0;
  while (start < text.size()) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    if (eq == std::string::npos || (key != "timeout" && key != "join_timeout")) {
      throw UsageError("--rdzv_conf '" + text + "': '" + item +
                       "' is not supported; zlaunch reads timeout=SECONDS and join_timeout=SECONDS (its store needs no "
                       "other rendezvous settings)");
    }
    char* end = nullptr;
    const double seconds = std::strtod(item.c_str() + eq + 1, &end);
    if (end == item.c_str() + eq + 1 || *end != '\0' || !(seconds >= 0)) {
      throw UsageError("--rdzv_conf '" + text + "': " + key + " must be a number of seconds");
    }
    options.rdzv_timeout = seconds;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

// torchrun's --rdzv_endpoint HOST[:PORT] (29400 when the port is left out, as torchrun does).
void apply_rdzv_endpoint(const std::string& endpoint, RunOptions& options) {
  std::string host = endpoint;
  std::string port = "29400";
  const auto colon = endpoint.rfind(':');
  if (colon != std::string::npos && endpoint.find(']') == std::string::npos) {
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
  }
  if (host.empty()) throw UsageError("--rdzv_endpoint '" + endpoint + "': give HOST[:PORT] of machine 0");
  options.typed_config_values["main_process_ip"] = host;
  options.typed_config_values["main_process_port"] = port;
}

}  // namespace

void add_run_options(CLI::App& run, RunOptions& options) {
  run.add_option(both_spellings("config_file"), options.config_file, "Launch YAML or DeepSpeed JSON config file");
  for (const auto& option : kConfigOptions) {
    run.add_option_function<std::string>(
           both_spellings(option.flag, option.extra_names),
           [&options, key = std::string(option.key)](const std::string& v) { options.typed_config_values[key] = v; },
           option.help)
        ->type_name(option.type);
  }
  run.add_option_function<std::string>(
         both_spellings("mpirun_hostfile"),
         [&options](const std::string& v) {
           options.typed_config_values["hostfile"] = v;
           options.typed_config_values["launcher"] = "mpi";
         },
         "Hostfile for mpirun: the same as --hostfile FILE --launcher mpi")
      ->type_name("FILE");
  run.add_option(both_spellings("nproc_per_node"), options.nproc_per_node,
                 "torchrun's processes per machine: N, gpu, cpu or auto (num_processes = N x num_machines)");
  run.add_option_function<std::string>(
         both_spellings("rdzv_endpoint"), [&options](const std::string& v) { apply_rdzv_endpoint(v, options); },
         "torchrun's HOST[:PORT] of machine 0 (the same as --main_process_ip and --main_process_port)")
      ->type_name("HOST:PORT");
  run.add_flag_function(
      "--standalone",
      [&options](std::int64_t) {
        options.typed_config_values["num_machines"] = "1";
        options.typed_config_values["main_process_ip"] = "127.0.0.1";
        options.typed_config_values["main_process_port"] = "0";
      },
      "torchrun's one-machine mode: a free local port, one machine");
  run.add_option_function<std::string>(
         both_spellings("rdzv_backend"),
         [](const std::string& v) {
           if (v != "static" && v != "c10d") {
             throw UsageError("--rdzv_backend '" + v +
                              "': zlaunch's own store does the rendezvous; 'static' and 'c10d' mean that, other "
                              "backends (etcd) are not supported");
           }
         },
         "static | c10d: accepted; zlaunch's own store does the rendezvous")
      ->type_name("BACKEND");
  run.add_option_function<std::string>(
         both_spellings("rdzv_conf"), [&options](const std::string& v) { apply_rdzv_conf(v, options); },
         "torchrun's rendezvous settings: timeout=SECONDS, join_timeout=SECONDS (set --rdzv_timeout)")
      ->type_name("K=V,...");
  run.add_option(both_spellings("rdzv_id"), options.run_id, "torchrun's name of the run: the same as --run_id");

  // Accelerate's program-facing flags.
  run.add_flag(both_spellings("cpu"), options.cpu, "Train on the CPU (Accelerate's --cpu: ACCELERATE_USE_CPU)");
  run.add_flag(both_spellings("use_deepspeed"), options.use_deepspeed,
               "Use DeepSpeed (distributed_type DEEPSPEED) for an Accelerate program");
  run.add_flag(both_spellings("multi_gpu"), options.multi_gpu,
               "Data parallel on the GPUs (distributed_type MULTI_GPU)");
  run.add_flag(both_spellings("debug"), options.debug, "ACCELERATE_DEBUG_MODE=true for an Accelerate program");
  run.add_flag(both_spellings("enable_cpu_affinity"), options.enable_cpu_affinity,
               "ACCELERATE_CPU_AFFINITY=1: an Accelerate program pins each rank to its GPU's CPUs");
  run.add_option(both_spellings("gpu_ids"), options.gpu_ids,
                 "GPUs of this machine to use, e.g. 0,1 (CUDA_VISIBLE_DEVICES)");
  run.add_option(both_spellings("num_cpu_threads_per_process"), options.num_cpu_threads_per_process,
                 "OMP_NUM_THREADS of every rank");
  run.add_option_function<std::string>(
         both_spellings("zero3_init_flag"),
         [&options](const std::string& v) {
           if (v != "true" && v != "false") throw UsageError("--zero3_init_flag '" + v + "': give true or false");
           options.zero3_init_flag = v;
         },
         "true | false: deepspeed.zero.Init for an Accelerate program's ZeRO-3 model (ACCELERATE_DEEPSPEED_ZERO3_INIT)")
      ->type_name("BOOL");
  run.add_flag(both_spellings("same_network"))
      ->description("Accepted: zlaunch's rendezvous is the same on one network or several");
  run.add_flag(both_spellings("quiet", "-q"))
      ->description("Accepted: zlaunch prints a failure report, never a launcher traceback, to silence");

  // Programs.
  run.add_flag(both_spellings("module", "-m"), options.program.module, "Run PROGRAM as a Python module (python -m)");
  run.add_flag(both_spellings("no_python"), options.program.no_python, "Run PROGRAM itself, even a .py file");
  run.add_option("--python", options.program.python,
                 "Python interpreter for a .py PROGRAM and -m (default: $PYTHON, else python3 on PATH)");

  // Launcher-only settings.
  run.add_option(both_spellings("monitor_interval"), options.monitor_interval,
                 "Seconds between liveness and progress checks")
      ->capture_default_str();
  run.add_option(both_spellings("shutdown_timeout"), options.shutdown_timeout,
                 "Seconds between SIGTERM and SIGKILL when the group is torn down")
      ->capture_default_str();
  run.add_option(both_spellings("rdzv_timeout"), options.rdzv_timeout, "Seconds the machines wait for each other")
      ->capture_default_str();
  run.add_option(both_spellings("hang_timeout"), options.hang_timeout,
                 "Seconds without progress (reports or output) before a rank is declared hung; 0 = off")
      ->capture_default_str();
  run.add_option(both_spellings("tee", "-t"), options.tee,
                 "torchrun's streams written to files and the console: 0..3 or LOCAL_RANK:N,... (zlaunch does both for "
                 "every stream; false = no console, the same as --redirects 3)")
      ->capture_default_str();
  run.add_option(both_spellings("redirects", "-r"), options.redirects,
                 "torchrun's streams kept off the console (still in the rank files): 0..3 or LOCAL_RANK:N,...")
      ->capture_default_str();
  run.add_option(both_spellings("ranks_filter"), options.ranks_filter,
                 "Console shows only these ranks, e.g. 0,3 (files always written)");
  run.add_flag(both_spellings("dry_run"), options.dry_run,
               "Print the plan (machines, ranks, environment, commands) and exit");
  run.add_option(both_spellings("run_id"), options.run_id,
                 "Name of the run directory; default: generated on machine 0");
  run.add_option(both_spellings("rdzv_token"), options.rdzv_token,
                 "Secret shared by the machines' launchers (default: ZLAUNCH_STORE_TOKEN, see docs/launcher.md)");
  run.add_option("--role", options.role, "torchrun's and Accelerate's worker role (ROLE_NAME)")->capture_default_str();

  for (const auto& family : refused_families()) {
    for (const char* name : family.flags)
      run.add_flag(both_spellings(name))->description(family.reason)->group(kRefusedGroup);
    for (const char* name : family.valued) {
      run.add_option(both_spellings(name), family.reason)->type_name("")->group(kRefusedGroup);
    }
  }
  // A flag given twice: the last one wins (scripts append overrides to a base command line).
  for (auto* option : run.get_options()) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void check_refused_options(const CLI::App& run) {
  for (const auto& family : refused_families()) {
    for (const auto* names : {&family.flags, &family.valued}) {
      for (const char* name : *names) {
        const CLI::Option* option = run.get_option_no_throw("--" + std::string(name));
        if (option != nullptr && option->count() > 0) {
          throw UsageError("zlaunch run --" + std::string(name) + ": " + family.reason);
        }
      }
    }
  }
}

std::set<int> parse_ranks_filter(const std::string& text, int world_size) {
  std::set<int> ranks;
  std::size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    const auto comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long rank = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || rank < 0 || rank >= world_size) {
      throw UsageError("--ranks_filter '" + text + "': '" + item + "' is not a rank in 0.." +
                       std::to_string(world_size - 1) + " (give a comma-separated list such as 0,3)");
    }
    ranks.insert(static_cast<int>(rank));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return ranks;
}

StreamSelection console_exclusions(const RunOptions& options) {
  if (options.tee == "false") return parse_stream_selection("3", "--tee");
  if (options.tee != "true") parse_stream_selection(options.tee, "--tee");  // checked; zlaunch always tees
  return parse_stream_selection(options.redirects, "--redirects");
}

void validate_run_options(const RunOptions& options) {
  auto non_negative = [](double value, const char* flag) {
    if (!(value >= 0.0)) {
      throw UsageError(std::string(flag) + " must be a number of seconds >= 0, got " + std::to_string(value));
    }
  };
  non_negative(options.shutdown_timeout, "--shutdown_timeout");
  non_negative(options.rdzv_timeout, "--rdzv_timeout");
  non_negative(options.hang_timeout, "--hang_timeout");
  if (!(options.monitor_interval > 0.0)) {
    throw UsageError("--monitor_interval must be a number of seconds > 0, got " +
                     std::to_string(options.monitor_interval));
  }
  if (options.num_cpu_threads_per_process < 0) {
    throw UsageError("--num_cpu_threads_per_process must be at least 1, got " +
                     std::to_string(options.num_cpu_threads_per_process));
  }
  if (options.use_deepspeed && options.multi_gpu) {
    throw UsageError("--use_deepspeed and --multi_gpu name two different launches; give one");
  }
  console_exclusions(options);
  if (options.command.empty()) {
    throw UsageError(
        "zlaunch run: no PROGRAM given; usage: zlaunch run [options] PROGRAM [ARGS...] (PROGRAM 'train' = the bundled "
        "trainer)");
  }
}

}  // namespace zl::launcher
