// The `zlaunch config` question flow (see wizard.h): one question per launch or DeepSpeed setting,
// each with a default, then the pair of files written and checked by resolve().
#include "zl/config/wizard.h"

#include <cstdio>

#include "zl/base/error.h"
#include "zl/config/auto_rules.h"
#include "zl/config/config_writer.h"
#include "zl/config/memory_estimate.h"
#include "zl/config/model_spec.h"
#include "zl/config/prompter.h"

namespace zl::config {
namespace {

using nlohmann::json;

class Wizard {
 public:
  Wizard(Prompter& prompter, const WizardOptions& options) : p_(prompter), options_(options) {}

  std::string run() {
    p_.say(
        "zlaunch config: a launch config (zlaunch.yaml) and a DeepSpeed config (ds_config.json). Enter keeps the "
        "[default].");
    LaunchSettings l;
    ask_machines(l);
    l.launcher = static_cast<LauncherKind>(
        p_.select("Which launcher starts the processes?",
                  {"local rendezvous (zlaunch starts them)", "MPI (mpirun)", "Slurm (srun)"}, 0));
    if (l.launcher == LauncherKind::kMpi) l.hostfile = p_.text("MPI hostfile (empty: none)", "");
    l.num_processes = static_cast<int>(
        ask_int("How many processes in total, over all machines?", l.num_machines, l.num_machines, 65536));
    while (l.num_processes % l.num_machines != 0) {
      p_.say("  every machine runs the same number of processes: use a multiple of " + std::to_string(l.num_machines));
      l.num_processes = static_cast<int>(
          ask_int("How many processes in total, over all machines?", l.num_machines, l.num_machines, 65536));
    }
    l.device = static_cast<DeviceKind>(p_.select("Which device?", {"cpu", "cuda"}, 0));
    l.mixed_precision = static_cast<Precision>(p_.select("Mixed precision?", {"no", "fp16", "bf16"}, 0));
    l.model = ask_model();

    json ds = json::object();
    const int stage = ask_stage(l);
    ds["zero_optimization"] = {{"stage", stage}, {"overlap_comm", stage == 3}, {"reduce_bucket_size", "auto"}};
    if (stage == 3) {
      ds["zero_optimization"]["stage3_prefetch_bucket_size"] = "auto";
      ds["zero_optimization"]["stage3_param_persistence_threshold"] = "auto";
    }
    if (stage >= 1 && p_.select("Offload optimizer states to host memory?", {"no", "cpu"}, 0) == 1) {
      ds["zero_optimization"]["offload_optimizer"] = {{"device", "cpu"}, {"pin_memory", true}};
    }
    if (stage == 3 && p_.select("Offload parameters to host memory?", {"no", "cpu"}, 0) == 1) {
      ds["zero_optimization"]["offload_param"] = {{"device", "cpu"}, {"pin_memory", true}};
    }
    const std::int64_t micro = ask_int("Micro-batch size per process (train_micro_batch_size_per_gpu)?", 8, 1, 1 << 20);
    const std::int64_t accumulation = ask_int("Gradient accumulation steps?", 1, 1, 1 << 20);
    p_.say("  global batch (train_batch_size) = " + std::to_string(micro) + " x " + std::to_string(accumulation) +
           " x " + std::to_string(l.num_processes) + " = " + std::to_string(micro * accumulation * l.num_processes));
    ds["train_micro_batch_size_per_gpu"] = micro;
    ds["gradient_accumulation_steps"] = accumulation;
    ds["train_batch_size"] = micro * accumulation * l.num_processes;
    ds["gradient_clipping"] = ask_number("Gradient clipping (max global norm, 0 = off)?", 1.0, 0.0, 1e9);
    if (l.mixed_precision == Precision::kFp16) {
      const Fp16Settings d;
      ds["fp16"] = {{"enabled", true}, {"loss_scale", d.loss_scale}, {"initial_scale_power", d.initial_scale_power}};
    }
    if (l.mixed_precision == Precision::kBf16) ds["bf16"] = {{"enabled", true}};
    ask_optimizer(ds);
    ask_scheduler(ds);
    l.metrics.port = static_cast<int>(
        ask_int("Metrics port (rank k serves port + local rank; 0 = any free port)?", l.metrics.port, 0, 65535));
    ds["steps_per_print"] = TrainingSettings{}.steps_per_print;

    const std::string directory =
        !options_.output_directory.empty() ? options_.output_directory : p_.text("Where to save (a directory)?", ".");
    const WrittenConfig written = write_config_pair(directory, "zlaunch.yaml", l, ds, options_.overwrite);
    const ResolvedConfig resolved = check_written_config(written);
    p_.say("wrote " + written.launch_path);
    p_.say("wrote " + written.deepspeed_path);
    p_.say("train_batch_size " + std::to_string(resolved.training.train_batch_size) + ", ZeRO stage " +
           std::to_string(resolved.training.zero_optimization.stage) + "; run with: zlaunch run --config_file " +
           written.launch_path + " <program> ...");
    return directory;
  }

 private:
  std::int64_t ask_int(const std::string& question, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
    for (;;) {
      const std::string answer = p_.text(question, std::to_string(fallback));
      try {
        std::size_t used = 0;
        const long long v = std::stoll(answer, &used);
        if (used == answer.size() && v >= lo && v <= hi) return v;
      } catch (const std::exception&) {
      }
      p_.say("  '" + answer + "' is not a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
  }

  double ask_number(const std::string& question, double fallback, double lo, double hi) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", fallback);
    for (;;) {
      const std::string answer = p_.text(question, text);
      try {
        std::size_t used = 0;
        const double v = std::stod(answer, &used);
        if (used == answer.size() && v >= lo && v <= hi) return v;
      } catch (const std::exception&) {
      }
      p_.say("  '" + answer + "' is not a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
  }

  void ask_machines(LaunchSettings& l) {
    if (p_.select("Where does the job run?", {"this machine only", "several machines"}, 0) == 0) return;
    l.num_machines = static_cast<int>(ask_int("How many machines?", 2, 2, 4096));
    l.machine_rank = static_cast<int>(ask_int("This machine's rank (0 = the main machine)?", 0, 0, l.num_machines - 1));
    l.main_process_ip = p_.text("Address of the main machine (reachable from all)?", "127.0.0.1");
    l.main_process_port = static_cast<int>(ask_int("Port of the main machine's rendezvous?", 29500, 1, 65535));
  }

  std::string ask_model() {
    for (;;) {
      const std::string answer =
          p_.text("Model (tiny, small, gpt2 or L,H,C,T,V) for bucket sizes and the memory shown next?", options_.model);
      try {
        model_ = parse_model_spec(answer, "model");
        return answer;
      } catch (const ConfigError& e) {
        p_.say(std::string("  ") + e.what());
      }
    }
  }

  int ask_stage(const LaunchSettings& l) {
    static const char* const what[4] = {"no sharding", "optimizer states sharded", "+ gradients sharded",
                                        "+ parameters sharded"};
    std::vector<std::string> choices;
    for (int stage = 0; stage < 4; ++stage) {
      MemoryEstimateRequest r;
      r.layer_parameters = model_.layer_parameter_counts();
      r.world_size = l.num_processes;
      r.precision = l.mixed_precision;
      r.zero.stage = stage;
      r.zero.overlap_comm = stage == 3;
      const AutoBucketSizes sized = auto_bucket_sizes(model_);  // the "auto" the written config asks for
      r.zero.reduce_bucket_size = sized.reduce_bucket_size;
      r.zero.stage3_prefetch_bucket_size = sized.stage3_prefetch_bucket_size;
      r.zero.stage3_param_persistence_threshold = sized.stage3_param_persistence_threshold;
      const MemoryEstimate e = estimate_memory(r);
      choices.push_back("stage " + std::to_string(stage) + ": " + what[stage] + " - " + format_bytes(e.total_bytes()) +
                        " per rank");
    }
    return p_.select("ZeRO stage? (model states + buffers per rank for this model and " +
                         std::to_string(l.num_processes) + " processes)",
                     choices, 2);
  }

  void ask_optimizer(json& ds) {
    static const OptimizerType types[3] = {OptimizerType::kAdamW, OptimizerType::kAdam, OptimizerType::kSgd};
    const OptimizerType t = types[p_.select("Optimizer?", {"AdamW", "Adam", "SGD"}, 0)];
    const OptimizerSettings d;
    json params = {{"lr", ask_number("Learning rate?", d.lr, 1e-12, 1e3)}};
    params["weight_decay"] = ask_number("Weight decay?", d.weight_decay, 0.0, 1e3);
    if (t == OptimizerType::kSgd) {
      params["momentum"] = ask_number("Momentum?", d.momentum, 0.0, 0.999999);
    } else {
      params["betas"] = d.betas;
      params["eps"] = d.eps;
    }
    ds["optimizer"] = {{"type", to_string(t)}, {"params", params}};
    // DeepSpeed runs SGD under ZeRO only with this key (zero_settings.cc checks the same rule).
    if (t == OptimizerType::kSgd) ds["zero_allow_untested_optimizer"] = true;
  }

  void ask_scheduler(json& ds) {
    const int s =
        p_.select("Learning-rate schedule?",
                  {"constant", "WarmupLR (warm up, then constant)", "WarmupDecayLR (warm up, then linear decay)",
                   "WarmupCosineLR (warm up, then cosine decay)"},
                  0);
    if (s == 0) return;
    static const SchedulerType types[4] = {SchedulerType::kConstant, SchedulerType::kWarmupLR,
                                           SchedulerType::kWarmupDecayLR, SchedulerType::kWarmupCosineLR};
    json params = {{"warmup_num_steps", ask_int("Warmup steps?", 100, 0, 1LL << 40)}};
    if (s != 3) {
      params["warmup_min_lr"] = 0.0;
      params["warmup_max_lr"] = "auto";
    }
    if (s >= 2)
      params["total_num_steps"] = ask_int("Total training steps (length of the schedule)?", 1000, 1, 1LL << 40);
    ds["scheduler"] = {{"type", to_string(types[s])}, {"params", params}};
  }

  Prompter& p_;
  const WizardOptions& options_;
  ModelSpec model_;
};

}  // namespace

std::string run_wizard(const WizardOptions& options, int in_fd, std::FILE* out) {
  const std::unique_ptr<Prompter> prompter = make_prompter(in_fd, out);
  return Wizard(*prompter, options).run();
}

}  // namespace zl::config
