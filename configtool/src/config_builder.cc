// From merged layers to a checked ResolvedConfig; see config_builder.h. Launch settings first (the
// world size is needed by the batch triangle), then precision and the batch triangle here, then the
// DeepSpeed blocks (optimizer_settings.cc, scheduler_settings.cc, zero_settings.cc) and the rest.
#include "zl/config/config_builder.h"

#include <algorithm>
#include <optional>
#include <regex>

#include "zl/base/error.h"
#include "zl/config/batch_triangle.h"
#include "zl/config/merged_reader.h"
#include "zl/config/visible_gpus.h"

namespace zl::config {
namespace {

constexpr std::int64_t kTrainerMicroBatch = 8;
constexpr double kTrainerGradientClipping = 1.0;

// "[http://|https://]host:port[/]" as metrics::parse_pushgateway_url() accepts it (configtool does not
// link the metrics component; the runtime parses the same value again before its push).
bool is_pushgateway_url(const std::string& url) {
  static const std::regex pattern(R"(^(https?://)?[^/:\s@?#]+:([0-9]{1,5})/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) return false;
  const int port = std::stoi(m[2].str());
  return port >= 1 && port <= 65535;
}

class Builder : public MergedReader {
 public:
  using MergedReader::MergedReader;

  // cpu | cuda | auto; "auto" (Accelerate's DEEPSPEED and NO) is the GPUs when any are visible, and
  // the choice is said with its reason.
  void build_device() {
    LaunchSettings& l = config().launch;
    const SourcedValue* v = launch("device");
    if (v == nullptr || v->value != "auto") {
      l.device = launch_enum<DeviceKind>("device", LaunchSettings{}.device,
                                         {{"cpu", DeviceKind::kCpu}, {"cuda", DeviceKind::kCuda}}, " | auto");
      return;
    }
    const int gpus = count_visible_gpus();
    l.device = gpus > 0 ? DeviceKind::kCuda : DeviceKind::kCpu;
    const std::string why = gpus > 0 ? std::to_string(gpus) + " GPU(s) visible" : "no GPU visible";
    config().sources["device"] = "auto (" + why + ") from " + v->source;
    warning("device", v,
            std::string("auto (Accelerate's choice for distributed_type DEEPSPEED and NO): training on ") +
                (gpus > 0 ? "the GPUs (cuda)" : "the CPU") + ", " + why +
                (gpus > 0 ? "; set use_cpu: true or device: cpu for the CPU" : ""));
  }

  void build(const std::optional<ModelSpec>& requested_model) {
    build_launch(requested_model);
    build_precision();
    build_batch();
    resolve_optimizer(*this);
    resolve_scheduler(*this);
    resolve_zero(*this, model_);
    build_misc();
  }

 private:
  void build_launch(const std::optional<ModelSpec>& requested_model) {
    LaunchSettings& l = config().launch;
    const LaunchSettings d;
    const std::string env = launch_string("compute_environment", "LOCAL_MACHINE");
    if (env != "LOCAL_MACHINE") {
      error("compute_environment", launch("compute_environment"),
            "'" + env + "' is not supported: zlaunch starts processes on the machines it runs on; use LOCAL_MACHINE");
    }
    config().sources.erase("compute_environment");
    l.num_processes = static_cast<int>(launch_int("num_processes", d.num_processes, 1, 65536,
                                                  "give the total number of processes over all machines (at least 1)"));
    if (const SourcedValue* type = launch("distributed_type");
        type != nullptr && type->value == "NO" && l.num_processes > 1) {
      error("num_processes", launch("num_processes"),
            std::to_string(l.num_processes) + " processes, but " + place("distributed_type", *type) +
                " is NO, which accelerate launch runs as one process: use MULTI_CPU, MULTI_GPU or DEEPSPEED for "
                "several processes, or run one");
    }
    l.num_machines = static_cast<int>(
        launch_int("num_machines", d.num_machines, 1, 4096, "give the number of machines (at least 1)"));
    l.machine_rank = static_cast<int>(launch_int(
        "machine_rank", d.machine_rank, 0, l.num_machines - 1,
        "this machine's rank is 0 .. num_machines-1 (num_machines is " + std::to_string(l.num_machines) + ")"));
    if (l.num_processes % l.num_machines != 0) {
      const SourcedValue* v = launch("num_processes");
      error("num_processes", v,
            "num_processes " + std::to_string(l.num_processes) +
                " (the total over all machines) is not divisible by num_machines " + std::to_string(l.num_machines) +
                ": every machine runs the same number of processes; use a multiple of " +
                std::to_string(l.num_machines) + " such as " +
                std::to_string(l.num_machines * std::max(1, l.num_processes / l.num_machines)));
    }
    l.main_process_ip = launch_string("main_process_ip", d.main_process_ip);
    if (l.main_process_ip.empty())
      error("main_process_ip", launch("main_process_ip"), "must not be empty: give machine 0's address");
    l.main_process_port = static_cast<int>(
        launch_int("main_process_port", d.main_process_port, 0, 65535, "a TCP port 1..65535, or 0 to pick a free one"));
    l.launcher = launch_enum<LauncherKind>(
        "launcher", d.launcher,
        {{"local", LauncherKind::kLocal}, {"mpi", LauncherKind::kMpi}, {"slurm", LauncherKind::kSlurm}});
    l.hostfile = launch_string("hostfile", d.hostfile);
    build_device();
    l.max_restarts =
        static_cast<int>(launch_int("max_restarts", d.max_restarts, 0, 1000, "a count of restarts, 0 for none"));
    l.log_dir = launch_string("log_dir", d.log_dir);
    if (l.log_dir.empty()) error("log_dir", launch("log_dir"), "must not be empty: give a directory for the logs");
    l.metrics.port =
        static_cast<int>(launch_int("metrics.port", d.metrics.port, 0, 65535, "a TCP port, or 0 for any free port"));
    const int per_machine = std::max(1, l.processes_per_machine());
    if (l.metrics.port > 0 && l.metrics.port + per_machine - 1 > 65535) {
      error("metrics.port", launch("metrics.port"),
            "rank ports " + std::to_string(l.metrics.port) + " .. " + std::to_string(l.metrics.port + per_machine - 1) +
                " pass 65535; choose a lower port");
    }
    l.metrics.bind = launch_string("metrics.bind", d.metrics.bind);
    l.metrics.targets_file = launch_string("metrics.targets_file", d.metrics.targets_file);
    l.metrics.pushgateway = launch_string("metrics.pushgateway", d.metrics.pushgateway);
    if (!l.metrics.pushgateway.empty() && !is_pushgateway_url(l.metrics.pushgateway)) {
      error("metrics.pushgateway", launch("metrics.pushgateway"),
            "'" + l.metrics.pushgateway +
                "' is not a Pushgateway address: give host:port or http(s)://host:port "
                "(port 1..65535, no path), e.g. http://127.0.0.1:9091");
    }
    l.metrics.enabled = launch("metrics.enabled") != nullptr ? launch("metrics.enabled")->value.get<bool>() : true;
    config().sources["metrics.enabled"] =
        launch("metrics.enabled") != nullptr ? launch("metrics.enabled")->source : "default";

    if (const SourcedValue* m = launch("model")) {
      config().sources["model"] = m->source;
      try {
        model_ = parse_model_spec(m->value.get<std::string>(), "model");
        l.model = m->value.get<std::string>();
      } catch (const ConfigError& e) {
        error("model", m, e.what());
        model_ = parse_model_spec(d.model, "model");  // keeps "auto" sizes quiet; the error above is the one to fix
      }
    } else if (requested_model) {
      model_ = *requested_model;
      l.model = model_.label();
      config().sources["model"] = "caller";
    } else {
      model_ = parse_model_spec(d.model, "model");
      l.model = d.model;
      config().sources["model"] = "default";
    }
  }

  void build_precision() {
    LaunchSettings& l = config().launch;
    TrainingSettings& t = config().training;
    const SourcedValue* mp = launch("mixed_precision");
    const SourcedValue* fp16 = ds("fp16.enabled");
    const SourcedValue* bf16 = ds("bf16.enabled");
    const bool fp16_given = fp16 != nullptr && !is_auto(fp16);
    const bool bf16_given = bf16 != nullptr && !is_auto(bf16);
    const bool fp16_on = fp16_given && fp16->value.get<bool>();
    const bool bf16_on = bf16_given && bf16->value.get<bool>();
    if (fp16_on && bf16_on) {
      error("fp16.enabled", fp16,
            "fp16 and bf16 are both enabled (bf16.enabled in " + bf16->source + "); enable at most one of them");
    }
    if (mp != nullptr) {
      l.mixed_precision = launch_enum<Precision>(
          "mixed_precision", Precision::kNo,
          {{"no", Precision::kNo}, {"fp16", Precision::kFp16}, {"bf16", Precision::kBf16}}, " (fp8 is not supported)");
      const Precision p = l.mixed_precision;
      std::string conflict;
      if (fp16_given && fp16_on != (p == Precision::kFp16))
        conflict = "fp16.enabled = " + fp16->value.dump() + " in " + fp16->source;
      if (bf16_given && bf16_on != (p == Precision::kBf16))
        conflict = "bf16.enabled = " + bf16->value.dump() + " in " + bf16->source;
      if (!conflict.empty()) {
        error("mixed_precision", mp,
              "mixed_precision " + std::string(to_string(p)) + " contradicts " + conflict +
                  "; make them agree (or write \"enabled\": \"auto\" in the DeepSpeed config)");
      }
      t.fp16.enabled = p == Precision::kFp16;
      t.bf16_enabled = p == Precision::kBf16;
      config().sources["fp16.enabled"] =
          fp16_given ? fp16->source : "auto (mixed_precision " + std::string(to_string(p)) + ")";
      config().sources["bf16.enabled"] =
          bf16_given ? bf16->source : "auto (mixed_precision " + std::string(to_string(p)) + ")";
    } else {
      t.fp16.enabled = fp16_on;
      t.bf16_enabled = bf16_on && !fp16_on;
      l.mixed_precision = fp16_on ? Precision::kFp16 : bf16_on ? Precision::kBf16 : Precision::kNo;
      config().sources["fp16.enabled"] = fp16_given        ? fp16->source
                                         : fp16 != nullptr ? "auto (mixed_precision no)"
                                                           : "default";
      config().sources["bf16.enabled"] = bf16_given        ? bf16->source
                                         : bf16 != nullptr ? "auto (mixed_precision no)"
                                                           : "default";
      config().sources["mixed_precision"] = fp16_on ? fp16->source : bf16_on ? bf16->source : "default";
    }
    Fp16Settings& f = t.fp16;
    const Fp16Settings d;
    f.loss_scale = ds_number("fp16.loss_scale", d.loss_scale, 0.0, 1e38);
    f.initial_scale_power = static_cast<int>(ds_int("fp16.initial_scale_power", d.initial_scale_power, 0, 64));
    f.loss_scale_window = static_cast<int>(ds_int("fp16.loss_scale_window", d.loss_scale_window, 1, 1LL << 40));
    f.hysteresis = static_cast<int>(ds_int("fp16.hysteresis", d.hysteresis, 1, 1LL << 30));
    f.consecutive_hysteresis = ds_value<bool>("fp16.consecutive_hysteresis", d.consecutive_hysteresis);
    f.min_loss_scale = ds_number("fp16.min_loss_scale", d.min_loss_scale, 1e-30, 1e38);
  }

  void build_batch() {
    TrainingSettings& t = config().training;
    const char* keys[3] = {"train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"};
    BatchRequest request;
    std::optional<std::int64_t>* slots[3] = {&request.train_batch_size, &request.micro_batch, &request.accumulation};
    bool any_auto = false;
    bool any_key = false;
    for (int i = 0; i < 3; ++i) {
      const SourcedValue* v = ds(keys[i]);
      if (v == nullptr) continue;
      any_key = true;
      if (is_auto(v)) {
        any_auto = true;
      } else {
        *slots[i] = v->value.get<std::int64_t>();
      }
    }
    request.trainer_fills_micro = any_auto || !merged().batch_from_document;
    request.default_micro_batch = kTrainerMicroBatch;
    request.world_size = config().launch.num_processes;
    // With no batch key anywhere, the trainer's defaults are micro 8 and accumulation 1.
    const bool trainer_defaults = !any_key && request.trainer_fills_micro;
    if (trainer_defaults) request.accumulation = 1;
    const BatchResolution r = resolve_batch(request);
    const SourcedValue* anchor = nullptr;
    for (const char* key : keys) {
      if (anchor == nullptr && ds(key) != nullptr) anchor = ds(key);
    }
    for (const auto& e : r.errors) {
      // A batch key that failed its own check is already reported; what follows from its absence is noise.
      if (merged().documents_have_errors && e.rfind("neither", 0) == 0) continue;
      problems().error(anchor != nullptr ? place("batch", *anchor) : "batch",
                       e + " [world size = num_processes " + std::to_string(config().launch.num_processes) + " from " +
                           config().sources["num_processes"] + "]");
    }
    const std::string rules[3] = {r.train_batch_size_rule, r.micro_batch_rule, r.accumulation_rule};
    const std::int64_t values[3] = {r.train_batch_size, r.micro_batch, r.accumulation};
    for (int i = 0; i < 3; ++i) {
      const SourcedValue* v = ds(keys[i]);
      if (v != nullptr && !is_auto(v)) {
        config().sources[keys[i]] = v->source;
      } else if (trainer_defaults && i != 0) {
        config().sources[keys[i]] = "default";
      } else {
        config().sources[keys[i]] = "auto (" + rules[i] + ")";
      }
      if (values[i] > (1LL << 31) - 1) {
        error(keys[i], v != nullptr ? v : anchor, std::to_string(values[i]) + " is too large (at most 2147483647)");
      }
    }
    t.train_batch_size = static_cast<int>(std::min<std::int64_t>(r.train_batch_size, (1LL << 31) - 1));
    t.train_micro_batch_size_per_gpu = static_cast<int>(std::min<std::int64_t>(r.micro_batch, (1LL << 31) - 1));
    t.gradient_accumulation_steps = static_cast<int>(std::min<std::int64_t>(r.accumulation, (1LL << 31) - 1));
  }

  void build_misc() {
    TrainingSettings& t = config().training;
    const TrainingSettings d;
    const bool trainer = !merged().has_deepspeed_document;
    t.gradient_clipping = ds_number("gradient_clipping", trainer ? kTrainerGradientClipping : d.gradient_clipping, 0.0,
                                    1e30, kTrainerGradientClipping, "trainer default");
    t.steps_per_print = static_cast<int>(ds_int("steps_per_print", d.steps_per_print, 1, 1LL << 31));
    t.wall_clock_breakdown = ds_value<bool>("wall_clock_breakdown", d.wall_clock_breakdown);
    t.seed = static_cast<std::uint64_t>(ds_int("seed", static_cast<std::int64_t>(d.seed), 0, 1LL << 62));
    std::string comm = ds_value<std::string>("communication_data_type", to_string(CommDataType::kWorking));
    if (comm == "bfp16") comm = "bf16";  // DeepSpeed's alternative spelling
    const std::optional<CommDataType> type = parse_comm_data_type(comm);
    if (!type) {
      error("communication_data_type", ds("communication_data_type"),
            "'" + comm + "' is not one of fp32 | fp16 | bf16");
      return;
    }
    t.communication_data_type = *type;
    // The engine reduces gradients in their working precision or widened to fp32, never in the other
    // 16-bit format.
    const CommDataType working = t.fp16.enabled   ? CommDataType::kFp16
                                 : t.bf16_enabled ? CommDataType::kBf16
                                                  : CommDataType::kFp32;
    if ((*type == CommDataType::kFp16 || *type == CommDataType::kBf16) && *type != working) {
      error("communication_data_type", ds("communication_data_type"),
            "'" + comm + "' with " + to_string(working) +
                " training is not supported by zlaunch (gradients are reduced in the "
                "working precision or in fp32); use \"fp32\", or remove the key to reduce in " +
                to_string(working));
    }
  }

  ModelSpec model_;
};

}  // namespace

void build_resolved_config(const MergedConfig& merged, const std::optional<ModelSpec>& requested_model,
                           ResolvedConfig& config, Problems& problems) {
  Builder(merged, config, problems).build(requested_model);
}

}  // namespace zl::config
